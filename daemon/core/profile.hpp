// The OpenVPN client profile (.ovpn) of a device, as a pure function of plain values:
// the device, the server's endpoint from wardend.conf, the PEM material and what the
// store holds about the device's logins. `device export` loads these and calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/config.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

// Where and how clients reach the server ([vpn] remote, port, proto; [auth]
// static_challenge).
struct ProfileServer {
    std::string remote;
    int port = 1194;
    std::string proto = "udp";
    std::string static_challenge;  // "" none
};
ProfileServer profile_server(const Config& config);

// What decides whether the profile asks for a username and password.
struct CredentialFacts {
    store::LoginRequirements requirements;
    bool totp_set_up = false;         // a TOTP secret exists, confirmed or not
    bool open_one_time_code = false;  // an unused one-time code that has not expired
};
CredentialFacts credential_facts(const store::LoginRequirements& requirements,
                                 const std::optional<store::Totp>& totp,
                                 const std::vector<store::OneTimeCode>& codes, std::int64_t now);

// The inline blocks. `key_pem` is written as given: encrypted PKCS#8 when the device
// has a key password (`key_encrypted`), which adds a hint to the header.
struct ProfileMaterial {
    std::string ca_pem;
    std::string cert_pem;
    std::string key_pem;
    bool key_encrypted = false;
    std::string tls_crypt_key;
};

// `auth-user-pass` (and `static-challenge` for TOTP when configured) with a comment
// saying what to type, for a device that logs in with a username and password (TOTP,
// static password, one-time code). Empty for certificate-only devices.
std::string credential_lines(const store::Device& device, const CredentialFacts& facts,
                             std::string_view static_challenge);

std::string render_profile(const store::Device& device, const ProfileServer& server,
                           const ProfileMaterial& material, const CredentialFacts& facts);

}  // namespace warden::core

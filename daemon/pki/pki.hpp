// Built-in PKI (SPEC §2): the daemon's CA, device and server certificates, the CRL for
// OpenVPN's crl-verify, the tls-crypt key and password-protected key export.
//
// All keys are ECDSA P-256, all signatures SHA-256. Failures inside OpenSSL are not
// expected and throw std::runtime_error carrying OpenSSL's error text; malformed input to
// inspect() is expected and yields std::nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace warden::pki {

// A certificate and its private key, both PEM. The key is unencrypted PKCS#8.
struct Material {
    std::string cert_pem;
    std::string key_pem;
};

enum class CertKind { Server, Client };

struct CertInfo {
    std::string serial;                          // warden::text::normalize_serial form
    std::string fingerprint_sha256;              // lowercase hex, no colons, of the DER certificate
    std::string subject, issuer;                 // RFC 2253, UTF-8
    std::string common_name;                     // last CN of the subject, as OpenVPN reports it
    std::int64_t not_before = 0, not_after = 0;  // unix seconds

    bool operator==(const CertInfo&) const = default;
};

// A revoked certificate for the CRL. `serial` is in normalized form (colons and upper
// case are tolerated); `revoked_at` is unix seconds.
struct Revoked {
    std::string serial;
    std::int64_t revoked_at;
};

// Self-signed CA valid for `days` days from now (notBefore a minute in the past).
Material create_ca(const std::string& common_name, int days);

// A leaf certificate signed by `ca`, with the extended key usage OpenVPN's
// `remote-cert-tls server|client` expects. Throws when `ca` does not parse or its key
// does not match its certificate.
Material issue(const Material& ca, const std::string& common_name, CertKind kind, int days);

// Reads the first certificate in `cert_pem`; nullopt when there is none or it is malformed.
std::optional<CertInfo> inspect(std::string_view cert_pem);

// The first certificate in `pem` when it is a CA's (an enrollment CA); else why not.
std::variant<CertInfo, std::string> inspect_ca(std::string_view pem);

// A v2 CRL signed by `ca`: lastUpdate = now, nextUpdate = now + days_valid days.
std::string make_crl(const Material& ca, const std::vector<Revoked>& revoked, std::int64_t now,
                     int days_valid);

// What a CRL says, as read back from a file (the daemon's CRL keeper judges it).
struct CrlInfo {
    std::int64_t last_update = 0;             // unix seconds
    std::optional<std::int64_t> next_update;  // absent in the CRL: nullopt
    bool signed_by_ca = false;                // issuer is the CA and its signature verifies
    std::vector<std::string> revoked;         // normalized serials, sorted
};

// Reads the first CRL in `crl_pem` and checks it against `ca_cert_pem`; nullopt when
// there is no CRL or it is malformed (expected input: no exception, no OpenSSL errors).
std::optional<CrlInfo> inspect_crl(std::string_view crl_pem, std::string_view ca_cert_pem);

// 2048 random bits in OpenVPN's "Static key V1" file format, as `openvpn --genkey secret`
// writes it; usable with --tls-crypt.
std::string generate_tls_crypt_key();

// 128 random bytes as an "OpenVPN auth-token server key" PEM, as `openvpn --genkey
// auth-token` writes it; for server.conf's auth-gen-token-secret.
std::string generate_auth_token_key();

// Re-encodes an unencrypted PEM private key as PKCS#8 "ENCRYPTED PRIVATE KEY" under
// AES-256-CBC (PBKDF2 key derivation). Throws on an empty password or unreadable key.
std::string encrypt_private_key(std::string_view key_pem, std::string_view password);

}  // namespace warden::pki

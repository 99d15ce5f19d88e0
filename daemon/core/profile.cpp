#include "daemon/core/profile.hpp"

#include "daemon/core/credential_rules.hpp"
#include "daemon/core/netmap.hpp"

namespace warden::core {
namespace {

std::string inline_block(const std::string& tag, const std::string& pem) {
    return "<" + tag + ">\n" + pem + (pem.empty() || pem.back() == '\n' ? "" : "\n") + "</" + tag +
           ">\n";
}

// The router's NETMAP rules as comments: the profile stays loadable by OpenVPN.
std::string netmap_comment(const store::Device& device) {
    const std::string netmap = netmap_nftables(device);
    if (netmap.empty()) return {};
    std::string p =
        "# The router translates its LAN (netmap addressing); rules for a Linux router:\n";
    for (std::size_t at = 0; at < netmap.size();) {
        const std::size_t end = netmap.find('\n', at);
        p += "#| " + netmap.substr(at, end - at) + "\n";
        at = end + 1;
    }
    return p;
}

}  // namespace

ProfileServer profile_server(const Config& config) {
    return {config.remote, config.port, config.proto, config.auth.static_challenge};
}

CredentialFacts credential_facts(const store::LoginRequirements& requirements,
                                 const std::optional<store::Totp>& totp,
                                 const std::vector<store::OneTimeCode>& codes, std::int64_t now) {
    CredentialFacts facts{requirements, totp.has_value(), false};
    for (const auto& c : codes)
        facts.open_one_time_code = facts.open_one_time_code || (!c.used_at && c.expires_at > now);
    return facts;
}

std::string credential_lines(const store::Device& device, const CredentialFacts& facts,
                             std::string_view static_challenge) {
    // A secret waiting for `totp confirm` counts: the user is about to need the code.
    const bool totp_used = facts.totp_set_up || needs_totp(device, facts.requirements);
    if (!totp_used && !facts.requirements.password && !facts.open_one_time_code) return {};
    std::string p = "# Login: username " + device.name + ", password ";
    p += totp_used ? "the code from the authenticator app" : "the device's password";
    p += " (or a one-time access code)\nauth-user-pass\n";
    if (totp_used && !static_challenge.empty())
        p += "static-challenge \"" + std::string(static_challenge) + "\" 1\n";
    return p;
}

std::string render_profile(const store::Device& device, const ProfileServer& server,
                           const ProfileMaterial& material, const CredentialFacts& facts) {
    std::string p;
    p += "# warden profile for " + device.name + "\n";
    if (material.key_encrypted)
        p += "# The private key is encrypted: openvpn asks for its password (or --askpass FILE).\n";
    p += "client\ndev tun\nproto " + server.proto + "\nremote " + server.remote + " " +
         std::to_string(server.port) + "\n";
    p += "nobind\nremote-cert-tls server\nverify-x509-name warden-server name\n";
    p += "resolv-retry infinite\nconnect-retry 1 5\nverb 3\n";
    // A refusal (wardend restarting past the plugin's wait, device deactivated for a
    // while) must not make the client exit for good: it tries again. Credentials are
    // asked for again (a TOTP code is not valid twice; replaying it would count as a
    // failed login); a certificate-only client retries on its own.
    const std::string credentials = credential_lines(device, facts, server.static_challenge);
    p += credentials.empty() ? "auth-retry nointeract\n" : "auth-retry interact\n";
    if (server.proto == "udp") p += "explicit-exit-notify 1\n";
    p += inline_block("ca", material.ca_pem);
    p += inline_block("cert", material.cert_pem);
    p += inline_block("key", material.key_pem);
    p += inline_block("tls-crypt", material.tls_crypt_key);
    p += netmap_comment(device);
    p += credentials;
    return p;
}

}  // namespace warden::core

// render_profile() and credential_lines(): the .ovpn text `device export` sends, as
// golden text from plain values (no store, no PKI).
#include <catch2/catch.hpp>

#include "daemon/core/profile.hpp"

using namespace warden;
using namespace warden::core;

namespace {

constexpr std::int64_t kNow = 1700000000;

store::Device pc() {
    store::Device d;
    d.id = 3;
    d.name = "laptop";
    d.type = store::DeviceType::Pc;
    return d;
}

store::Device netmap_router() {
    store::Device d;
    d.id = 4;
    d.name = "plant";
    d.type = store::DeviceType::Router;
    d.addressing = store::Addressing::Netmap;
    d.network = "10.20.0.0/24";
    d.local_network = "192.168.1.0/24";
    return d;
}

ProfileServer server(std::string remote = "vpn.example.org", std::string proto = "udp") {
    return {std::move(remote), 1194, std::move(proto), ""};
}

ProfileMaterial material() {
    // The key block lacks its final newline: the renderer closes the line before the tag.
    return {"CA\n", "CERT\n", "KEY", false, "TLS\n"};
}

const std::string kBlocks =
    "<ca>\nCA\n</ca>\n<cert>\nCERT\n</cert>\n<key>\nKEY\n</key>\n<tls-crypt>\nTLS\n</tls-crypt>\n";

std::string head(const std::string& name, const std::string& remote_line, const std::string& retry,
                 const std::string& proto = "udp") {
    return "# warden profile for " + name + "\nclient\ndev tun\nproto " + proto + "\n" +
           remote_line + "\nnobind\nremote-cert-tls server\nverify-x509-name warden-server name\n" +
           "resolv-retry infinite\nconnect-retry 1 5\nverb 3\nauth-retry " + retry + "\n" +
           (proto == "udp" ? "explicit-exit-notify 1\n" : "");
}

CredentialFacts totp_enforced() {
    CredentialFacts f;
    f.requirements.totp_enforced = true;
    f.totp_set_up = true;
    return f;
}

}  // namespace

TEST_CASE("profile: a certificate-only pc gets no credential lines and retries on its own") {
    CHECK(render_profile(pc(), server(), material(), {}) ==
          head("laptop", "remote vpn.example.org 1194", "nointeract") + kBlocks);
}

TEST_CASE("profile: a TOTP pc asks for the code with the configured static challenge") {
    ProfileServer s = server();
    s.static_challenge = "Code from your app";
    CHECK(render_profile(pc(), s, material(), totp_enforced()) ==
          head("laptop", "remote vpn.example.org 1194", "interact") + kBlocks +
              "# Login: username laptop, password the code from the authenticator app (or a "
              "one-time access code)\nauth-user-pass\n"
              "static-challenge \"Code from your app\" 1\n");
}

TEST_CASE("profile: a static password asks for the password and never a static challenge") {
    ProfileServer s = server();
    s.static_challenge = "Code";
    CredentialFacts f;
    f.requirements.password = true;
    CHECK(render_profile(pc(), s, material(), f) ==
          head("laptop", "remote vpn.example.org 1194", "interact") + kBlocks +
              "# Login: username laptop, password the device's password (or a one-time access "
              "code)\nauth-user-pass\n");
}

TEST_CASE("profile: an encrypted key is announced and tcp has no exit notification") {
    ProfileMaterial m = material();
    m.key_encrypted = true;
    const std::string tcp_head = head("laptop", "remote vpn.example.org 1194", "nointeract", "tcp");
    const std::size_t first_line = tcp_head.find('\n') + 1;
    const std::string expected =
        tcp_head.substr(0, first_line) +
        "# The private key is encrypted: openvpn asks for its password (or --askpass FILE).\n" +
        tcp_head.substr(first_line) + kBlocks;
    CHECK(expected.find("explicit-exit-notify") == std::string::npos);
    CHECK(render_profile(pc(), server("vpn.example.org", "tcp"), m, {}) == expected);
}

TEST_CASE("profile: an IPv6 remote is written as the bare address") {
    CHECK(render_profile(pc(), server("2001:db8::1"), material(), {}) ==
          head("laptop", "remote 2001:db8::1 1194", "nointeract") + kBlocks);
}

TEST_CASE("profile: a netmap router carries its NETMAP rules as comments and no credentials") {
    // The group requires TOTP, but never of a router.
    CredentialFacts f;
    f.requirements.group_requires_totp = true;
    CHECK(render_profile(netmap_router(), server(), material(), f) ==
          head("plant", "remote vpn.example.org 1194", "nointeract") + kBlocks +
              "# The router translates its LAN (netmap addressing); rules for a Linux router:\n"
              "#| # warden NETMAP for plant: LAN 192.168.1.0/24 appears in the VPN as "
              "10.20.0.0/24\n"
              "#| # Apply on the router with: nft -f FILE (needs Linux >= 5.8, nftables >= 1.0)\n"
              "#| table ip warden_netmap\n"
              "#| delete table ip warden_netmap\n"
              "#| table ip warden_netmap {\n"
              "#|     chain prerouting {\n"
              "#|         type nat hook prerouting priority dstnat; policy accept;\n"
              "#|         ip daddr 10.20.0.0/24 dnat ip prefix to ip daddr map { 10.20.0.0/24 : "
              "192.168.1.0/24 }\n"
              "#|     }\n"
              "#|     chain postrouting {\n"
              "#|         type nat hook postrouting priority srcnat; policy accept;\n"
              "#|         oifname \"tun*\" ip saddr 192.168.1.0/24 snat ip prefix to ip saddr map "
              "{ 192.168.1.0/24 : 10.20.0.0/24 }\n"
              "#|     }\n"
              "#| }\n");
}

TEST_CASE("credential lines: which facts ask for a login") {
    const std::string code_or_totp =
        "# Login: username laptop, password the code from the authenticator app (or a one-time "
        "access code)\nauth-user-pass\n";
    CHECK(credential_lines(pc(), {}, "x").empty());
    // A secret still waiting for `totp confirm`: the user is about to need the code.
    CredentialFacts pending;
    pending.totp_set_up = true;
    CHECK(credential_lines(pc(), pending, "") == code_or_totp);
    // The group's rule makes a pc use TOTP even before its secret exists.
    CredentialFacts group;
    group.requirements.group_requires_totp = true;
    CHECK(credential_lines(pc(), group, "") == code_or_totp);
    // Only a one-time code: the password prompt takes it.
    CredentialFacts code;
    code.open_one_time_code = true;
    CHECK(credential_lines(pc(), code, "Code") ==
          "# Login: username laptop, password the device's password (or a one-time access "
          "code)\nauth-user-pass\n");
}

TEST_CASE("credential facts: only unused codes that have not expired are open") {
    store::OneTimeCode used, expired, open;
    used.used_at = kNow - 5;
    used.expires_at = kNow + 60;
    expired.expires_at = kNow;
    open.expires_at = kNow + 1;
    CHECK_FALSE(credential_facts({}, std::nullopt, {used, expired}, kNow).open_one_time_code);
    CHECK(credential_facts({}, std::nullopt, {used, open}, kNow).open_one_time_code);
    CHECK(credential_facts({}, store::Totp{}, {}, kNow).totp_set_up);
    CHECK_FALSE(credential_facts({}, std::nullopt, {}, kNow).totp_set_up);
}

// The edge of the plugin protocol: OpenVPN's variables in, typed requests out, malformed
// fields refused with an Error naming them.
#include <catch2/catch.hpp>

#include "common/protocol.hpp"
#include "daemon/server/plugin_decode.hpp"

using namespace warden;

namespace {

wire::Message client(wire::Type type = wire::Type::Auth) {
    wire::Message m(type, 7);
    m.set("tls_serial_hex_0", "0A:1B:ff").set("common_name", "laptop");
    m.set("untrusted_ip", "192.0.2.5").set("untrusted_port", "40000");
    m.set("username", "laptop").set("password", "123456");
    m.set("session_state", "Initial").set("session_id", "S1");
    m.set("IV_VER", "2.6.14").set("IV_PLAT", "linux");
    std::string digest;  // OpenVPN's form: lowercase pairs and colons
    for (int i = 0; i < 31; ++i) digest += "aa:";
    m.set("tls_digest_sha256_0", digest + "0f");
    m.set("tls_id_0", "C=DE, O=Vendor, CN=laptop").set("tls_id_1", "O=Vendor, CN=Vendor CA");
    return m;
}

wire::Message with(wire::Message m, const std::string& key, const std::string& value) {
    for (auto& [k, v] : m.fields)
        if (k == key) {
            v = value;
            return m;
        }
    m.set(key, value);
    return m;
}

std::string error_of(const wire::Message& m) {
    core::DisconnectRequest r;
    auto e = server::decode(m, "main", r);
    return e ? e->text() : "";
}

struct Recorder : core::PluginRequests {
    core::VerdictReply auth(const core::AuthRequest& r) override {
        password = std::string(r.password.view());
        return {true, {}, {}};
    }
    core::VerdictReply connect(const core::ConnectRequest&) override {
        return {true, {}, std::string(200, 'x')};
    }
    void disconnect(const core::DisconnectRequest& r) override { bytes = r.bytes_received; }
    std::string password;
    std::uint64_t bytes = 0;
};

}  // namespace

TEST_CASE("plugin decode: every forwarded field lands in its typed place") {
    core::AuthRequest r;
    REQUIRE_FALSE(server::decode(client(), "main", r));
    CHECK(r.id == 7);
    CHECK(r.instance == "main");
    CHECK(r.serial == "a1bff");
    CHECK(r.common_name == "laptop");
    CHECK(r.real_address == "192.0.2.5:40000");
    CHECK(r.username == "laptop");
    CHECK(r.password.view() == "123456");
    CHECK(r.session_state == "Initial");
    CHECK(r.session_id == "S1");
    CHECK(r.peer_version == "2.6.14");
    CHECK(r.peer_platform == "linux");
    CHECK(r.cert_subject == "C=DE, O=Vendor, CN=laptop");
    CHECK(r.cert_issuer == "O=Vendor, CN=Vendor CA");
    CHECK(r.fingerprint.size() == 95);
    CHECK(r.fingerprint.substr(r.fingerprint.size() - 5) == "AA:0F");
}

TEST_CASE("plugin decode: the certificate's not-after is Unix seconds, unknown when absent") {
    for (auto type : {wire::Type::Auth, wire::Type::Connect, wire::Type::Prefetch}) {
        INFO(wire::type_name(type));
        core::ConnectRequest r;
        REQUIRE_FALSE(
            server::decode(with(client(type), "cert_not_after", "1893456000"), "main", r));
        CHECK(r.cert_not_after == std::optional<std::int64_t>(1893456000));
    }
    core::ConnectRequest r;
    r.cert_not_after = 1;  // decoding starts from nothing
    REQUIRE_FALSE(server::decode(client(wire::Type::Connect), "main", r));
    CHECK_FALSE(r.cert_not_after);
    // The largest notAfter a certificate can state: 9999-12-31T23:59:59Z.
    REQUIRE_FALSE(server::decode(with(client(), "cert_not_after", "253402300799"), "main", r));
    CHECK(r.cert_not_after == std::optional<std::int64_t>(253402300799));
}

TEST_CASE("plugin decode: IPv6 and trusted_* addresses take endpoint.hpp's form") {
    auto m = client();
    m.fields.erase(m.fields.begin() + 2, m.fields.begin() + 4);  // untrusted_ip, _port
    m.set("trusted_ip6", "FD00::2").set("trusted_port", "1194");
    core::ConnectRequest r;
    REQUIRE_FALSE(server::decode(m, "main", r));
    CHECK(r.real_address == "[fd00::2]:1194");
}

TEST_CASE("plugin decode: malformed fields are refused by name") {
    CHECK(error_of(with(client(), "tls_serial_hex_0", "zz:01")) == "tls_serial_hex_0: not hex");
    CHECK(error_of(with(client(), "untrusted_ip", "999.1.1.1")) ==
          "untrusted_ip: not an IP address");
    CHECK(error_of(with(client(), "untrusted_port", "70000")) == "untrusted_port: not a port");
    CHECK(error_of(with(client(), "untrusted_port", "")) == "untrusted_port: missing");
    CHECK(error_of(with(client(), "untrusted_ip", "")) == "untrusted_ip: missing");
    CHECK(error_of(with(client(), "common_name", std::string(300, 'a'))) ==
          "common_name: longer than 256 bytes");
    CHECK(error_of(with(client(), "password", std::string(5000, 'a'))) ==
          "password: longer than 4096 bytes");
    CHECK(error_of(with(client(), "bytes_received", "12a")) ==
          "bytes_received: not a non-negative decimal number");
    CHECK(error_of(with(client(), "bytes_sent", "-1")) ==
          "bytes_sent: not a non-negative decimal number");
    CHECK(error_of(with(client(), "time_duration", "-5")) ==
          "time_duration: not a non-negative decimal number");
    CHECK(error_of(with(client(), "time_duration", "")) ==
          "time_duration: not a non-negative decimal number");
    CHECK(error_of(with(client(), "bytes_received", "18446744073709551616")) ==
          "bytes_received: not a non-negative decimal number");
    CHECK(error_of(with(client(), "tls_digest_sha256_0", "ab:cd")) ==
          "tls_digest_sha256_0: not a SHA-256 digest");
    CHECK(error_of(with(client(), "tls_id_0", std::string(1025, 'a'))) ==
          "tls_id_0: longer than 1024 bytes");
    for (const char* bad : {"", "-1", "12a", " 5", "1e9", "9223372036854775808"}) {
        INFO(bad);
        CHECK(error_of(with(client(), "cert_not_after", bad)) ==
              "cert_not_after: not a non-negative decimal number");
    }
    CHECK(error_of(with(client(), "tls_id_1", std::string(900, 'a'))).empty());
    CHECK(error_of(with(client(), "tls_digest_sha256_0", "")).empty());
    // Absent serial and counters are not malformed: no certificate / nothing counted.
    CHECK(error_of(with(client(), "tls_serial_hex_0", "")).empty());
    CHECK(error_of(with(client(), "tls_serial_hex_0", "00")).empty());
    CHECK(error_of(with(client(), "bytes_received", "18446744073709551615")).empty());
}

TEST_CASE("plugin decode: a malformed request gets an Error naming the field, at once") {
    Recorder rec;
    auto m = with(client(), "untrusted_port", "port");
    auto reply = server::answer(rec, m, "main");
    REQUIRE(reply);
    CHECK(reply->type == wire::Type::Error);
    CHECK(reply->id == 7);
    CHECK(reply->get("reason") == "malformed request: untrusted_port: not a port");
    CHECK(rec.password.empty());  // never reached the daemon's logic
}

TEST_CASE("plugin decode: the password is wiped from the message once decoded") {
    Recorder rec;
    auto m = client();
    auto reply = server::answer(rec, m, "main");
    REQUIRE(reply);
    CHECK(reply->get("result") == "allow");
    CHECK(rec.password == "123456");
    CHECK(m.get("password") == "");
    CHECK(m.get("username") == "laptop");  // only secret fields
}

TEST_CASE("plugin decode: disconnect counters, pings, unknown types") {
    Recorder rec;
    auto bye = with(client(wire::Type::Disconnect), "bytes_received", "1234");
    CHECK_FALSE(server::answer(rec, bye, "main"));
    CHECK(rec.bytes == 1234);
    wire::Message ping(wire::Type::Ping, 3);
    CHECK(server::answer(rec, ping, "main")->type == wire::Type::Pong);
    wire::Message odd(wire::Type::Verdict, 4);
    CHECK(server::answer(rec, odd, "main")->type == wire::Type::Error);
}

TEST_CASE("plugin decode: core's verdict size arithmetic matches the wire format") {
    for (std::size_t n : {1u, 200u, 70000u}) {
        const auto frame = server::encode_verdict(1, {true, {}, std::string(n, 'c')});
        CHECK(wire::payload_size(frame) == core::kVerdictOverhead + n);
    }
    CHECK(core::kMaxVerdictPayload == wire::kDefaultMaxFrame);
}

TEST_CASE("plugin decode: the forwarded-field table marks exactly the password secret") {
    std::size_t secrets = 0;
    for (const auto& f : protocol::kForwardedEnv) secrets += f.secret;
    CHECK(secrets == 1);
    CHECK(protocol::is_secret("password"));
    CHECK_FALSE(protocol::is_secret("username"));
}

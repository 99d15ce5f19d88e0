// The client certificate's not-after: read at TLS verification (depth 0, OpenSSL only) into
// OpenVPN's per-client context and sent with that client's Auth, Connect and Prefetch
// (plugin/client_context.hpp, common/protocol.hpp).
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include "fixture.hpp"
#include "plugin/client_context.hpp"

using namespace warden;
using namespace warden::testing;

namespace {

constexpr std::int64_t k2030 = 1893456000;    // 2030-01-01T00:00:00Z: an UTCTime
constexpr std::int64_t k2100 = 4102444800;    // 2100-01-01T00:00:00Z: a GeneralizedTime
constexpr std::int64_t kLast = 253402300799;  // 9999-12-31T23:59:59Z

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct TimeFree {
    void operator()(ASN1_TIME* t) const { ASN1_TIME_free(t); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// A self-signed EC certificate for `cn`, valid until `not_after` (Unix seconds).
X509Ptr make_cert(const std::string& cn, std::int64_t not_after) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    REQUIRE(key);
    X509Ptr cert(X509_new());
    REQUIRE(cert);
    REQUIRE(X509_set_version(cert.get(), X509_VERSION_3) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x0a1b) == 1);
    X509_NAME* name = X509_get_subject_name(cert.get());
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                       0) == 1);
    REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
    REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr);
    std::unique_ptr<ASN1_TIME, TimeFree> until(
        ASN1_TIME_set(nullptr, static_cast<time_t>(not_after)));
    REQUIRE(until);
    REQUIRE(X509_set1_notAfter(cert.get(), until.get()) == 1);
    REQUIRE(X509_set_pubkey(cert.get(), key.get()) == 1);
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    return cert;
}

// One OpenVPN client instance: its per-client context, destroyed with it.
class Client {
  public:
    explicit Client(PluginUnderTest& plugin) : plugin_(plugin), context_(plugin.new_client()) {
        REQUIRE(context_ != nullptr);
    }
    ~Client() { plugin_.delete_client(context_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    void* context() const { return context_; }

  private:
    PluginUnderTest& plugin_;
    void* context_;
};

CArray tls_env() {
    return CArray{"untrusted_ip=192.0.2.7", "untrusted_port=51000", "tls_serial_hex_0=0a:1b",
                  "X509_0_CN=ok-r1"};
}

// OpenVPN's call for one certificate of the client's chain (CA first, then the client's).
int tls_verify(PluginFixture& f, const Client& c, X509* cert, int depth) {
    auto env = tls_env();
    return f.plugin.call(OPENVPN_PLUGIN_TLS_VERIFY, env, {std::to_string(depth), "CN=x"},
                         c.context(), cert, depth);
}

int auth(PluginFixture& f, const Client& c, const ClientFiles& files) {
    auto env = f.auth_env("ok-r1", files);
    return f.plugin.call(OPENVPN_PLUGIN_AUTH_USER_PASS_VERIFY, env, {}, c.context());
}

int connect(PluginFixture& f, const Client& c, const ClientFiles& files) {
    auto env = f.connect_env("ok-r1", files);
    env.add("tls_serial_hex_0=0a:1b");
    return f.plugin.call(OPENVPN_PLUGIN_CLIENT_CONNECT, env, {files.config}, c.context());
}

// The cert_not_after of the last message of `type` the daemon received ("" when none).
std::optional<std::string> last_not_after(const PluginFixture& f, wire::Type type) {
    const auto all = f.daemon.received();
    const auto it = std::find_if(all.rbegin(), all.rend(),
                                 [&](const wire::Message& m) { return m.type == type; });
    REQUIRE(it != all.rend());
    const auto value = it->get("cert_not_after");
    return value ? std::optional<std::string>(*value) : std::nullopt;
}

// The client connects, asking the daemon; what its Connect said about the certificate.
std::optional<std::string> connect_not_after(PluginFixture& f, const Client& c) {
    auto files = f.files();
    REQUIRE(connect(f, c, files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    return last_not_after(f, wire::Type::Connect);
}

void sync_with_plugin(PluginFixture& f, std::uint32_t ping_id) {
    f.daemon.send(wire::Message(wire::Type::Ping, ping_id));
    REQUIRE(f.daemon.wait_until([&](const auto& all) {
        return std::any_of(all.begin(), all.end(), [&](const auto& m) {
            return m.type == wire::Type::Pong && m.id == ping_id;
        });
    }));
}

}  // namespace

TEST_CASE("cert_not_after reads a certificate's notAfter as Unix seconds", "[plugin][cert]") {
    CHECK(plugin::cert_not_after(make_cert("a", k2030).get()) == k2030);
    CHECK(plugin::cert_not_after(make_cert("a", k2100).get()) == k2100);
    CHECK(plugin::cert_not_after(make_cert("a", kLast).get()) == kLast);
    CHECK(plugin::cert_not_after(make_cert("a", 0).get()) == 0);
    // Before 1970 cannot be said in the protocol's non-negative seconds: unknown.
    CHECK_FALSE(plugin::cert_not_after(make_cert("a", -86400).get()));
    CHECK_FALSE(plugin::cert_not_after(nullptr));
}

TEST_CASE("the client certificate's not-after travels with that client's Auth and Connect",
          "[plugin][cert]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    SECTION("prefetching") {
        f.start();
    }
    SECTION("prefetch=0: TLS verification is hooked all the same") {
        f.start({"prefetch=0"});
    }
    const auto leaf = make_cert("ok-r1", k2030);
    const auto ca = make_cert("ca", k2100);

    Client client(f.plugin);
    CHECK(tls_verify(f, client, ca.get(), 1) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(tls_verify(f, client, leaf.get(), 0) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    auto login = f.files();
    REQUIRE(auth(f, client, login) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(last_not_after(f, wire::Type::Auth) == std::to_string(k2030));
    CHECK(connect_not_after(f, client) == std::to_string(k2030));

    // Another client instance whose handshake was not verified (yet) says nothing, and the
    // CA's certificate (depth 1) is not the client's.
    Client other(f.plugin);
    CHECK_FALSE(connect_not_after(f, other));
    CHECK(tls_verify(f, other, ca.get(), 1) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK_FALSE(connect_not_after(f, other));

    // A renegotiation with a renewed certificate: the newer one counts.
    const auto renewed = make_cert("ok-r1", k2100);
    CHECK(tls_verify(f, client, renewed.get(), 0) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(connect_not_after(f, client) == std::to_string(k2100));
}

TEST_CASE("a prefetch and the Connect it answers carry the not-after", "[plugin][cert]") {
    PluginFixture f;
    f.daemon.set_responder([](const wire::Message& m) -> std::vector<FakeDaemon::Reply> {
        if (m.type == wire::Type::Prefetch) return {{verdict(m.id, true)}};
        return {};  // a Connect that asks would fail the test: never answered
    });
    f.start();
    f.daemon.send(wire::Message(wire::Type::Invalidate, 0));  // the daemon can prefetch
    sync_with_plugin(f, 9101);

    const auto leaf = make_cert("ok-r1", k2030);
    Client client(f.plugin);
    const std::size_t before = f.daemon.sent_replies();
    REQUIRE(tls_verify(f, client, leaf.get(), 0) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    REQUIRE(f.daemon.wait_sent(before + 1));  // the prefetch's verdict is on its way
    CHECK(last_not_after(f, wire::Type::Prefetch) == std::to_string(k2030));

    auto files = f.files();
    REQUIRE(connect(f, client, files) == OPENVPN_PLUGIN_FUNC_SUCCESS);  // no round trip
    REQUIRE(f.daemon.wait_count(wire::Type::Connect, 1));
    CHECK(last_not_after(f, wire::Type::Connect) == std::to_string(k2030));
}

TEST_CASE("with another TLS library than OpenSSL the certificate is not touched",
          "[plugin][cert]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.daemon.start();
    REQUIRE(f.plugin.open(f.args(), 2, 6, SSLAPI_MBEDTLS) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    REQUIRE(f.daemon.wait_count(wire::Type::Hello, 1));

    // An X509 here so a plugin that read it anyway would be caught sending its date.
    const auto leaf = make_cert("ok-r1", k2030);
    Client client(f.plugin);
    CHECK(tls_verify(f, client, leaf.get(), 0) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK_FALSE(connect_not_after(f, client));
}

TEST_CASE("per-client contexts: one per instance, hooks without one still work", "[plugin][cert]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.start();
    Client a(f.plugin);
    Client b(f.plugin);
    CHECK(a.context() != b.context());
    f.plugin.delete_client(nullptr);  // what OpenVPN never does, harmless all the same

    // OpenVPN without per-client context (or out of memory): no not-after, no failure.
    const auto leaf = make_cert("ok-r1", k2030);
    auto env = tls_env();
    CHECK(f.plugin.call(OPENVPN_PLUGIN_TLS_VERIFY, env, {"0", "CN=x"}, nullptr, leaf.get(), 0) ==
          OPENVPN_PLUGIN_FUNC_SUCCESS);
    auto files = f.files();
    CHECK(f.connect("ok-r1", files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK_FALSE(last_not_after(f, wire::Type::Connect));
}

// Prefetched connect verdicts: asked at TLS verification, used by CLIENT_CONNECT without
// a round trip unless the daemon invalidated them (common/protocol.hpp).
#include <catch2/catch.hpp>

#include <algorithm>

#include "fixture.hpp"

using namespace warden;
using namespace warden::testing;

namespace {

const std::string kPrefetchedConfig = "ifconfig-push 10.8.0.9 255.255.255.0\n";
const std::string kAskedConfig = "ifconfig-push 10.8.0.10 255.255.255.0\n";
// These tests are about prefetching, not the budget: a verdict that asks must not be
// deferred because a loaded (sanitizer) run answered late. Waiting it out costs 1 s once.
const std::string kLongBudget = "budget_ms=1000";

CArray tls_env(const std::string& port = "51000") {
    return CArray{"untrusted_ip=192.0.2.7", "untrusted_port=" + port, "tls_serial_hex_0=0a:1b",
                  "X509_0_CN=r1"};
}
CArray connect_env(const ClientFiles& f, const std::string& port = "51000") {
    return CArray{"common_name=r1", "trusted_ip=192.0.2.7", "trusted_port=" + port,
                  "tls_serial_hex_0=0a:1b", "client_connect_deferred_file=" + f.control};
}

// Prefetch answered with `prefetch_allow`; a Connect that asks (id != 0) with kAskedConfig
// when `answer_connects`, else never.
FakeDaemon::Responder responder(bool prefetch_allow, bool answer_connects) {
    return [=](const wire::Message& m) -> std::vector<FakeDaemon::Reply> {
        if (m.type == wire::Type::Prefetch)
            return {{verdict(m.id, prefetch_allow, prefetch_allow ? "" : "no", kPrefetchedConfig)}};
        if (m.type == wire::Type::Connect && m.id != 0 && answer_connects)
            return {{verdict(m.id, true, {}, kAskedConfig)}};
        return {};
    };
}

// The daemon's messages so far have been handled by the plugin: it answers a Ping after
// them (one stream, in order).
void sync_with_plugin(PluginFixture& f, std::uint32_t ping_id) {
    f.daemon.send(wire::Message(wire::Type::Ping, ping_id));
    REQUIRE(f.daemon.wait_until([&](const auto& all) {
        return std::any_of(all.begin(), all.end(), [&](const auto& m) {
            return m.type == wire::Type::Pong && m.id == ping_id;
        });
    }));
}

// Started, told by the daemon that prefetching works here (its first Invalidate).
void start_prefetching(PluginFixture& f, FakeDaemon::Responder r) {
    f.daemon.set_responder(std::move(r));
    f.start({kLongBudget});
    f.daemon.send(wire::Message(wire::Type::Invalidate, 0));
    sync_with_plugin(f, 9001);
}

int tls_verify(PluginFixture& f, CArray env, const std::string& depth = "0") {
    return f.plugin.call(OPENVPN_PLUGIN_TLS_VERIFY, env, {depth, "CN=r1"});
}

// TLS verification of the client, then until the daemon has sent its prefetch's verdict.
void prefetch(PluginFixture& f, CArray env) {
    const std::size_t before = f.daemon.sent_replies();
    REQUIRE(tls_verify(f, std::move(env)) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    REQUIRE(f.daemon.wait_sent(before + 1));
}

// Sends an Invalidate and waits until it is in the plugin's socket.
void invalidate(PluginFixture& f) {
    const std::size_t before = f.daemon.sent_replies();
    f.daemon.send(wire::Message(wire::Type::Invalidate, 0));
    REQUIRE(f.daemon.wait_sent(before + 1));
}
int connect(PluginFixture& f, const ClientFiles& files, const std::string& port = "51000") {
    auto env = connect_env(files, port);
    return f.plugin.call(OPENVPN_PLUGIN_CLIENT_CONNECT, env, {files.config});
}

// A CLIENT_CONNECT of the client that asks the daemon (no prefetched verdict used).
void check_asked(PluginFixture& f) {
    auto files = f.files();
    CHECK(connect(f, files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(read_file(files.config) == kAskedConfig);
}

std::vector<wire::Message> of_type(const PluginFixture& f, wire::Type type) {
    std::vector<wire::Message> out;
    for (const auto& m : f.daemon.received())
        if (m.type == type) out.push_back(m);
    return out;
}

}  // namespace

TEST_CASE("a prefetched allow answers CLIENT_CONNECT without a round trip", "[plugin][prefetch]") {
    PluginFixture f;
    // Connects that ask are never answered: a round trip would fail the call.
    start_prefetching(f, responder(true, false));
    prefetch(f, tls_env());

    auto files = f.files();
    CHECK(connect(f, files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(read_file(files.config) == kPrefetchedConfig);

    const auto prefetches = of_type(f, wire::Type::Prefetch);
    REQUIRE(prefetches.size() == 1);
    CHECK(prefetches[0].id != 0);
    CHECK(prefetches[0].get_or("common_name", "") == "r1");  // from X509_0_CN
    CHECK(prefetches[0].get_or("tls_serial_hex_0", "") == "0a:1b");
    CHECK(prefetches[0].get_or("untrusted_port", "") == "51000");
    // The daemon still hears the Connect, as a notification that needs no answer.
    REQUIRE(f.daemon.wait_count(wire::Type::Connect, 1));
    const auto connects = of_type(f, wire::Type::Connect);
    CHECK(connects[0].id == 0);
    CHECK(connects[0].get_or("prefetched", "") == "1");
    CHECK(connects[0].get_or("common_name", "") == "r1");

    // Used once: the same client's next CLIENT_CONNECT asks, and as nobody answers it is
    // refused after the budget.
    auto again = f.files();
    CHECK(connect(f, again) == OPENVPN_PLUGIN_FUNC_DEFERRED);
}

TEST_CASE("what is not a fresh prefetched allow is asked for", "[plugin][prefetch]") {
    PluginFixture f;
    SECTION("an Invalidate after the prefetch") {
        start_prefetching(f, responder(true, true));
        prefetch(f, tls_env());
        invalidate(f);  // in the plugin's socket, not yet read: CLIENT_CONNECT reads it first
    }
    SECTION("a prefetched deny") {
        start_prefetching(f, responder(false, true));
        prefetch(f, tls_env());
    }
    SECTION("another client (port) than the one prefetched") {
        start_prefetching(f, responder(true, true));
        prefetch(f, tls_env("51001"));
    }
    SECTION("a CA certificate's verification (depth 1) prefetches nothing") {
        start_prefetching(f, responder(true, true));
        REQUIRE(tls_verify(f, tls_env(), "1") == OPENVPN_PLUGIN_FUNC_SUCCESS);
        sync_with_plugin(f, 9002);
        CHECK(f.daemon.count(wire::Type::Prefetch) == 0);
    }
    check_asked(f);
    const auto connects = of_type(f, wire::Type::Connect);
    REQUIRE(connects.size() == 1);
    CHECK(connects[0].id != 0);
    CHECK_FALSE(connects[0].get("prefetched"));
}

TEST_CASE("a daemon that never sent Invalidate gets no Prefetch", "[plugin][prefetch]") {
    // An older wardend: a frame type it does not know would make it drop the connection.
    PluginFixture f;
    f.daemon.set_responder(responder(true, true));
    f.start({kLongBudget});
    REQUIRE(tls_verify(f, tls_env()) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    sync_with_plugin(f, 9003);
    CHECK(f.daemon.count(wire::Type::Prefetch) == 0);
    check_asked(f);
}

TEST_CASE("prefetch=0 prefetches nothing even when the daemon could", "[plugin][prefetch]") {
    PluginFixture f;
    f.daemon.set_responder(responder(true, true));
    f.start({"prefetch=0", kLongBudget});
    f.daemon.send(wire::Message(wire::Type::Invalidate, 0));
    sync_with_plugin(f, 9004);
    REQUIRE(tls_verify(f, tls_env()) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    sync_with_plugin(f, 9005);
    CHECK(f.daemon.count(wire::Type::Prefetch) == 0);
    check_asked(f);
}

TEST_CASE("a lost connection forgets prefetched verdicts", "[plugin][prefetch]") {
    PluginFixture f;
    start_prefetching(f, responder(true, true));
    prefetch(f, tls_env());
    sync_with_plugin(f, 9006);  // the prefetch's verdict has been read and kept
    f.daemon.drop_client();
    REQUIRE(f.daemon.wait_count(wire::Type::Hello, 2));  // reconnected: another daemon, maybe
    check_asked(f);
}

TEST_CASE("a login's allow that carries the Connect verdict answers CLIENT_CONNECT",
          "[plugin][prefetch]") {
    PluginFixture f;
    start_prefetching(f, [](const wire::Message& m) -> std::vector<FakeDaemon::Reply> {
        if (m.type == wire::Type::Auth) {
            auto v = verdict(m.id, true, {}, kPrefetchedConfig);
            v.set("prefetched", "1");
            return {{v}};
        }
        if (m.type == wire::Type::Connect && m.id != 0)
            return {{verdict(m.id, true, {}, kAskedConfig)}};
        return {};
    });
    auto login = f.files();
    REQUIRE(f.auth("r1", login) == OPENVPN_PLUGIN_FUNC_SUCCESS);  // 192.0.2.7:51000, 0a:1b

    SECTION("nothing changed: no round trip") {
        auto files = f.files();
        CHECK(connect(f, files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
        CHECK(read_file(files.config) == kPrefetchedConfig);
        REQUIRE(f.daemon.wait_count(wire::Type::Connect, 1));
        CHECK(of_type(f, wire::Type::Connect)[0].get_or("prefetched", "") == "1");
    }
    SECTION("an Invalidate after the login: asked for") {
        invalidate(f);
        check_asked(f);
    }
}

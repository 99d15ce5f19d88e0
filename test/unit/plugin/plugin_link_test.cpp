// The connection to the daemon: loss, restart and reconnect, garbage, prompt close.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace warden;
using namespace warden::testing;

TEST_CASE("daemon restarted: the plugin reconnects and later calls succeed", "[plugin][link]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.start({"budget_ms=50"});
    auto a = f.files();
    REQUIRE(f.auth("ok-1", a) == OPENVPN_PLUGIN_FUNC_SUCCESS);

    f.daemon.stop();
    CHECK(eventually([&] {
        f.plugin.flush_log();
        return LogSink::get().contains("daemon connection lost");
    }));

    f.daemon.start();
    auto b = f.files();
    CHECK(eventually([&] { return f.auth("ok-3", b) == OPENVPN_PLUGIN_FUNC_SUCCESS; },
                     std::chrono::seconds(5)));
    CHECK(f.daemon.count(wire::Type::Hello) >= 2);  // a Hello on every connection
    f.plugin.flush_log();
    CHECK(LogSink::get().contains("daemon connection lost error=\"daemon closed the connection\""));
    CHECK(LogSink::get().contains("daemon connected socket="));
}

TEST_CASE("connection lost: deferred requests are refused with a reason", "[plugin][link]") {
    PluginFixture f;
    f.daemon.set_responder([](const wire::Message&) { return std::vector<FakeDaemon::Reply>{}; });
    f.start({"budget_ms=1"});
    auto auth = f.files();
    auto conn = f.files();
    REQUIRE(f.auth("ok-1", auth) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(f.connect("ok-2", conn) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(f.daemon.wait_count(wire::Type::Connect, 1));
    f.daemon.stop();
    CHECK(wait_for_content(auth.control) == "0");
    CHECK(read_file(auth.reason) == "daemon connection lost");
    CHECK(wait_for_content(conn.control) == "0");
    CHECK(read_file(conn.config).empty());
}

TEST_CASE("garbage from the daemon drops the connection, then the plugin reconnects",
          "[plugin][link]") {
    PluginFixture f;
    f.daemon.set_responder([](const wire::Message&) { return std::vector<FakeDaemon::Reply>{}; });
    f.start({"budget_ms=1"});
    auto files = f.files();
    REQUIRE(f.auth("ok-1", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(f.daemon.wait_count(wire::Type::Auth, 1));
    f.daemon.send_raw(std::string("\x00\x00\x00\x03\xff\xff\xff", 7));  // wrong version byte
    CHECK(wait_for_content(files.control) == "0");
    CHECK(f.daemon.wait_count(wire::Type::Hello, 2));
    f.plugin.flush_log();
    CHECK(LogSink::get().contains("error=\"malformed frame from daemon"));

    f.daemon.set_responder(by_name());
    auto later = f.files();
    int rc = OPENVPN_PLUGIN_FUNC_ERROR;
    CHECK(eventually([&] { return (rc = f.auth("ok-2", later)) != OPENVPN_PLUGIN_FUNC_ERROR; }));
    if (rc == OPENVPN_PLUGIN_FUNC_DEFERRED) CHECK(wait_for_content(later.control) == "1");
}

TEST_CASE("close is prompt with requests in flight and while reconnecting", "[plugin][link]") {
    SECTION("connected, deferred requests pending") {
        PluginFixture f;
        f.daemon.set_responder(
            [](const wire::Message&) { return std::vector<FakeDaemon::Reply>{}; });
        f.start({"budget_ms=1"});
        for (int i = 0; i < 20; ++i) {
            auto files = f.files();
            REQUIRE(f.auth("ok-" + std::to_string(i), files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
        }
        const auto t0 = std::chrono::steady_clock::now();
        f.plugin.close();
        CHECK(ms_since(t0) < 100);
    }
    SECTION("daemon down, requests queued for it") {
        PluginFixture f;
        REQUIRE(f.plugin.open(f.args()) == OPENVPN_PLUGIN_FUNC_SUCCESS);
        auto files = f.files();
        CHECK(f.auth("ok-1", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
        const auto t0 = std::chrono::steady_clock::now();
        f.plugin.close();
        CHECK(ms_since(t0) < 100);
    }
}

TEST_CASE("open and close repeatedly leaves nothing behind", "[plugin][link]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.daemon.start();
    for (int i = 0; i < 20; ++i) {
        REQUIRE(f.plugin.open(f.args({"budget_ms=50"})) == OPENVPN_PLUGIN_FUNC_SUCCESS);
        auto files = f.files();
        CHECK(f.auth("ok-" + std::to_string(i), files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
        f.plugin.close();
    }
    CHECK(f.daemon.wait_count(wire::Type::Hello, 20));
}

// Deferral accounting: every request the plugin defers is reported to the daemon (kind,
// common name, why, how long OpenVPN's thread waited), and so is its late verdict (how
// late); a deferral while the daemon is away is reported once it is back.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace warden;
using namespace warden::testing;

namespace {

std::vector<wire::Message> reports(const FakeDaemon& daemon, std::string_view event) {
    std::vector<wire::Message> out;
    for (const auto& m : daemon.received())
        if (m.type == wire::Type::Report && m.get_or("event", "") == event) out.push_back(m);
    return out;
}

bool wait_reports(FakeDaemon& daemon, std::string_view event, std::size_t n) {
    return daemon.wait_until([&](const std::vector<wire::Message>& all) {
        std::size_t c = 0;
        for (const auto& m : all)
            c += m.type == wire::Type::Report && m.get_or("event", "") == event;
        return c >= n;
    });
}

double millis(const wire::Message& m, std::string_view key) {
    return std::stod(m.get_or(key, "-1"));
}

}  // namespace

TEST_CASE("a daemon that answers late: the deferral and the late verdict are reported",
          "[plugin][report]") {
    PluginFixture f;
    f.daemon.set_responder(by_name(60ms));
    f.start({"budget_ms=2"});

    auto files = f.files();
    REQUIRE(f.auth("ok-late", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(wait_reports(f.daemon, "deferred", 1));
    const auto deferred = reports(f.daemon, "deferred").front();
    CHECK(deferred.id == 0);
    CHECK(deferred.get_or("kind", "") == "auth");
    CHECK(deferred.get_or("common_name", "") == "ok-late");
    CHECK(deferred.get_or("why", "") == "budget");
    CHECK(millis(deferred, "waited_ms") >= 2.0);
    CHECK(millis(deferred, "waited_ms") < 60.0);

    REQUIRE(wait_for_content(files.control) == "1");
    REQUIRE(wait_reports(f.daemon, "late", 1));
    const auto late = reports(f.daemon, "late").front();
    CHECK(late.get_or("kind", "") == "auth");
    CHECK(late.get_or("common_name", "") == "ok-late");
    CHECK(late.get_or("result", "") == "allow");
    CHECK(millis(late, "late_ms") >= 60.0);

    // A connect refused late: kind and result say so.
    auto conn = f.files();
    REQUIRE(f.connect("intruder", conn) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(wait_reports(f.daemon, "late", 2));
    CHECK(reports(f.daemon, "deferred").back().get_or("kind", "") == "connect");
    CHECK(reports(f.daemon, "late").back().get_or("result", "") == "deny");
}

TEST_CASE("verdicts in time are not reported", "[plugin][report]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.start({"budget_ms=1000"});
    auto files = f.files();
    REQUIRE(f.auth("ok-fast", files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    REQUIRE(f.connect("ok-fast", files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    // A marker behind them on the same stream: everything before it has arrived.
    CArray env{"common_name=marker"};
    f.plugin.call(OPENVPN_PLUGIN_CLIENT_DISCONNECT, env);
    REQUIRE(f.daemon.wait_count(wire::Type::Disconnect, 1));
    CHECK(f.daemon.count(wire::Type::Report) == 0);
}

TEST_CASE("an unanswered request: reported deferred, then late with result timeout",
          "[plugin][report]") {
    PluginFixture f;
    f.daemon.set_responder([](const wire::Message&) { return std::vector<FakeDaemon::Reply>{}; });
    f.start({"budget_ms=1", "timeout_s=0.2"});
    auto files = f.files();
    REQUIRE(f.auth("ok-never", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(wait_reports(f.daemon, "late", 1));
    const auto late = reports(f.daemon, "late").front();
    CHECK(late.get_or("result", "") == "timeout");
    CHECK(millis(late, "late_ms") >= 190.0);
}

TEST_CASE("a deferral while the daemon is away is reported when it is back", "[plugin][report]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.start({"budget_ms=1", "daemon_wait_s=5"});
    // Gone for the plugin: a failed connect attempt after the drop (the log is shared by
    // every test of the process, so a new line is what counts).
    f.plugin.flush_log();
    const auto unreachable = [] {
        std::size_t n = 0;
        for (const auto& line : LogSink::get().lines())
            n += line.find("daemon not reachable") != std::string::npos;
        return n;
    };
    const std::size_t before = unreachable();
    f.daemon.stop();
    REQUIRE(eventually([&] {
        f.plugin.flush_log();
        return unreachable() > before;
    }));

    auto files = f.files();
    REQUIRE(f.auth("ok-waiting", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    f.daemon.start();
    REQUIRE(wait_for_content(files.control) == "1");
    REQUIRE(wait_reports(f.daemon, "deferred", 1));
    const auto deferred = reports(f.daemon, "deferred").front();
    CHECK(deferred.get_or("common_name", "") == "ok-waiting");
    CHECK(deferred.get_or("why", "") == "queued");
    REQUIRE(wait_reports(f.daemon, "late", 1));
    CHECK(reports(f.daemon, "late").front().get_or("result", "") == "allow");
}

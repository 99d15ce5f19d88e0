// wardend restarts: requests that arrive while the daemon is away are deferred and sent
// once it is back (bounded by daemon_wait_s), and the link reconnects as soon as the
// socket reappears instead of at the end of a backoff step.
#include <catch2/catch.hpp>

#include <fstream>

#include "fixture.hpp"
#include "plugin/daemon_link.hpp"

using namespace warden;
using namespace warden::testing;

namespace {

std::size_t log_count(const std::string& needle) {
    std::size_t n = 0;
    for (const auto& line : LogSink::get().lines()) n += line.find(needle) != std::string::npos;
    return n;
}

// Stops the daemon and waits until the plugin found it gone: a failed connect attempt
// after the drop (the log is shared by every test of the process, so a new line is what
// counts). Not just the drop: FakeDaemon closes the connection before its listening
// socket, so the plugin may reconnect once in between and lose that connection too.
bool stop_daemon(PluginFixture& f) {
    f.plugin.flush_log();
    const std::size_t before = log_count("daemon not reachable");
    f.daemon.stop();
    return eventually([&] {
        f.plugin.flush_log();
        return log_count("daemon not reachable") > before;
    });
}

std::size_t auths_named(FakeDaemon& daemon, const std::string& cn) {
    std::size_t n = 0;
    for (const auto& m : daemon.received())
        n += m.type == wire::Type::Auth && m.get_or("common_name", "") == cn;
    return n;
}

}  // namespace

TEST_CASE("daemon away: requests are deferred, queued and answered once it is back",
          "[plugin][restart]") {
    PluginFixture f;
    const std::string config = "ifconfig-push 10.8.0.7 255.255.255.0\n";
    f.daemon.set_responder(by_name(0ms, config));
    f.start({"budget_ms=50"});
    REQUIRE(stop_daemon(f));

    auto auth = f.files();
    auto conn = f.files();
    auto bad = f.files();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(f.auth("ok-waiting", auth) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(f.connect("ok-waiting", conn) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(f.auth("stranger", bad) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(ms_since(t0) < 50);  // OpenVPN's thread does not wait for the daemon
    CHECK(LogSink::get().contains(
        "request queued until the daemon is back kind=auth common_name=ok-waiting"));
    CHECK(f.connect_defer("ok-waiting", conn) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    // Nothing is decided while the daemon is away (and no backoff step is missed).
    CHECK_FALSE(eventually([&] { return !read_file(auth.control).empty(); }, 300ms));

    f.daemon.start();
    CHECK(wait_for_content(auth.control) == "1");
    CHECK(wait_for_content(conn.control) == "1");
    CHECK(read_file(conn.config) == config);
    CHECK(wait_for_content(bad.control) == "0");
    CHECK(read_file(bad.reason) == "not registered");
    CHECK(f.connect_defer("ok-waiting", conn) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    // Sent once, on the new connection, right after its Hello; the password too.
    CHECK(auths_named(f.daemon, "ok-waiting") == 1);
    const auto got = f.daemon.received();  // both connections
    REQUIRE(got.size() >= 3);
    CHECK(got[1].type == wire::Type::Hello);
    CHECK(got[2].type == wire::Type::Auth);
    CHECK(got[2].get_or("password", "") == "hunter2-ok-waiting");
}

TEST_CASE("daemon away longer than daemon_wait_s: queued requests are refused",
          "[plugin][restart]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.start({"budget_ms=1", "daemon_wait_s=0.3"});
    REQUIRE(stop_daemon(f));

    auto files = f.files();
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(f.auth("ok-late", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(wait_for_content(files.control) == "0");
    const double waited = ms_since(t0);
    CHECK(waited >= 290);
    CHECK(waited < 1500);
    CHECK(read_file(files.reason) == "daemon not connected");
    CHECK(eventually([&] {
        f.plugin.flush_log();
        return LogSink::get().contains("deferred request refused kind=auth") &&
               LogSink::get().contains("cause=daemon_wait reason=\"daemon not connected\"");
    }));

    // A refused request is never sent later.
    f.daemon.start();
    REQUIRE(f.daemon.wait_count(wire::Type::Hello, 2));  // Hellos of both connections
    auto after = f.files();
    const int rc = f.auth("ok-after", after);  // in time, or deferred on a busy machine
    if (rc == OPENVPN_PLUGIN_FUNC_DEFERRED)
        CHECK(wait_for_content(after.control) == "1");
    else
        CHECK(rc == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(auths_named(f.daemon, "ok-late") == 0);
}

TEST_CASE("daemon away: what cannot wait is refused at once", "[plugin][restart]") {
    PluginFixture f;  // daemon never started; daemon_wait_s at its default
    REQUIRE(f.plugin.open(f.args({"budget_ms=100"})) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    const auto t0 = std::chrono::steady_clock::now();
    CArray no_control_file{"common_name=ok-1", "username=u", "password=p"};
    CHECK(f.plugin.call(OPENVPN_PLUGIN_AUTH_USER_PASS_VERIFY, no_control_file) ==
          OPENVPN_PLUGIN_FUNC_ERROR);
    CHECK(ms_since(t0) < 50);
    CHECK(LogSink::get().contains("auth refused common_name=ok-1 reason=\"daemon not connected\""));
}

TEST_CASE("a queued request meets the restarted daemon within 100 ms", "[plugin][restart]") {
    PluginFixture f;
    f.daemon.set_responder(by_name());
    f.start({"budget_ms=1"});
    REQUIRE(stop_daemon(f));
    auto files = f.files();
    REQUIRE(f.auth("ok-1", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    // Long enough for a doubling backoff to reach its 1 s steps.
    CHECK_FALSE(eventually([&] { return !read_file(files.control).empty(); }, 1200ms));
    f.daemon.start();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(wait_for_content(files.control) == "1");
    CHECK(ms_since(t0) < 100);
}

TEST_CASE("DaemonLink reconnects within 100 ms of the socket appearing, whatever the backoff",
          "[plugin][restart]") {
    TempDir dir;
    FakeDaemon daemon(dir.file("d.sock"));
    plugin::PluginLog log(nullptr);
    plugin::DaemonLink::Options o;
    o.socket_path = dir.file("d.sock");
    o.backoff_min = o.backoff_max = std::chrono::seconds(5);  // only the watch can be quick
    plugin::DaemonLink link(o, log);
    REQUIRE(link.start().empty());
    CHECK_FALSE(eventually([&] { return link.connected(); }, 200ms));

    SECTION("first start") {
        daemon.start();
        const auto t0 = std::chrono::steady_clock::now();
        REQUIRE(eventually([&] { return link.connected(); }, 6s));
        CHECK(ms_since(t0) < 100);
    }
    SECTION("restart") {
        daemon.start();
        REQUIRE(eventually([&] { return link.connected(); }, 6s));
        daemon.stop();
        REQUIRE(eventually([&] { return !link.connected(); }));
        CHECK_FALSE(eventually([&] { return link.connected(); }, 200ms));
        daemon.start();
        const auto t0 = std::chrono::steady_clock::now();
        REQUIRE(eventually([&] { return link.connected(); }, 6s));
        CHECK(ms_since(t0) < 100);
    }
    link.stop();
}

// Verdicts slower than the budget: DEFERRED, then the I/O thread writes the control
// files; timeouts, late and duplicate verdicts, many requests in flight.
#include <catch2/catch.hpp>

#include <random>

#include "fixture.hpp"

using namespace warden;
using namespace warden::testing;

TEST_CASE("slow auth verdicts are deferred and written to the control files", "[plugin][defer]") {
    PluginFixture f;
    f.daemon.set_responder(by_name(60ms));
    f.start({"budget_ms=2"});

    auto ok = f.files();
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(f.auth("ok-slow", ok) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(ms_since(t0) < 2 + 50);
    CHECK(wait_for_content(ok.control) == "1");
    CHECK(read_file(ok.reason).empty());

    auto bad = f.files();
    REQUIRE(f.auth("slow-stranger", bad) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(wait_for_content(bad.control) == "0");
    CHECK(read_file(bad.reason) == "not registered");  // written before the '0'
}

TEST_CASE("deferred connect: DEFER hook polls, config is written before the '1'",
          "[plugin][defer]") {
    PluginFixture f;
    const std::string config = "ifconfig-push 10.8.0.9 255.255.255.0\n";
    f.daemon.set_responder(by_name(80ms, config));
    f.start({"budget_ms=1"});

    auto ok = f.files();
    REQUIRE(f.connect("ok-laptop", ok) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(f.connect_defer("ok-laptop", ok) == OPENVPN_PLUGIN_FUNC_DEFERRED);  // still pending
    REQUIRE(wait_for_content(ok.control) == "1");
    CHECK(read_file(ok.config) == config);
    CHECK(f.connect_defer("ok-laptop", ok) ==
          OPENVPN_PLUGIN_FUNC_SUCCESS);  // OpenVPN reads the file

    auto bad = f.files();
    REQUIRE(f.connect("intruder", bad) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    REQUIRE(wait_for_content(bad.control) == "0");
    CHECK(read_file(bad.config).empty());
    CHECK(f.connect_defer("intruder", bad) ==
          OPENVPN_PLUGIN_FUNC_SUCCESS);  // '0' makes OpenVPN refuse

    // A '2' written by anyone means "still deferred"; a missing file is an error.
    auto two = f.files();
    std::ofstream(two.control) << "2";
    CHECK(f.connect_defer("x", two) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CArray no_file{"common_name=x"};
    CHECK(f.plugin.call(OPENVPN_PLUGIN_CLIENT_CONNECT_DEFER, no_file) == OPENVPN_PLUGIN_FUNC_ERROR);
}

TEST_CASE("an unanswered deferred request is refused after timeout_s", "[plugin][defer]") {
    PluginFixture f;
    f.daemon.set_responder([](const wire::Message&) { return std::vector<FakeDaemon::Reply>{}; });
    f.start({"budget_ms=1", "timeout_s=0.2"});
    auto files = f.files();
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(f.auth("ok-1", files) == OPENVPN_PLUGIN_FUNC_DEFERRED);
    CHECK(wait_for_content(files.control) == "0");
    const double waited = ms_since(t0);
    CHECK(waited >= 190);
    CHECK(waited < 1500);
    CHECK(read_file(files.reason) == "daemon did not answer in time");
    CHECK(eventually([&] {
        f.plugin.flush_log();
        return LogSink::get().contains("deferred request refused kind=auth");
    }));
}

TEST_CASE("late and duplicate verdicts are ignored safely", "[plugin][defer]") {
    PluginFixture f;
    // Each request gets an immediate allow and, 30 ms later, a contradicting deny.
    f.daemon.set_responder([](const wire::Message& m) {
        return std::vector<FakeDaemon::Reply>{{verdict(m.id, true), 0ms},
                                              {verdict(m.id, false, "late"), 30ms}};
    });
    f.start({"budget_ms=100"});
    auto files = f.files();
    REQUIRE(f.auth("ok-1", files) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    REQUIRE(f.daemon.wait_sent(2));
    f.daemon.send(verdict(987654, false, "nobody asked"));  // an id never used
    // The plugin still works afterwards and wrote nothing for the answered request.
    auto next = f.files();
    CHECK(f.auth("ok-2", next) == OPENVPN_PLUGIN_FUNC_SUCCESS);
    CHECK(read_file(files.control).empty());
    CHECK(read_file(files.reason).empty());
}

TEST_CASE("without a control file a slow request is refused, its late verdict ignored",
          "[plugin][defer]") {
    PluginFixture f;
    f.daemon.set_responder(by_name(40ms));
    f.start({"budget_ms=1"});
    CArray env{"common_name=ok-nofile", "username=u"};  // no auth_control_file
    REQUIRE(f.plugin.call(OPENVPN_PLUGIN_AUTH_USER_PASS_VERIFY, env) == OPENVPN_PLUGIN_FUNC_ERROR);
    REQUIRE(f.daemon.wait_sent(1));
    auto files = f.files();
    f.daemon.set_responder(by_name());
    CHECK(eventually([&] { return f.auth("ok-after", files) == OPENVPN_PLUGIN_FUNC_SUCCESS; }));
}

TEST_CASE("200 deferred requests in flight are all answered correctly, out of order",
          "[plugin][defer]") {
    PluginFixture f;
    auto rng = std::make_shared<std::mt19937>(42);
    auto rng_mutex = std::make_shared<std::mutex>();
    f.daemon.set_responder([rng, rng_mutex](const wire::Message& m) {
        std::lock_guard lock(*rng_mutex);
        const auto delay = std::chrono::milliseconds(150 + (*rng)() % 250);  // shuffles the order
        const std::string cn = m.get_or("common_name", "");
        const bool allow = cn.rfind("ok", 0) == 0;
        const std::string config = allow && m.type == wire::Type::Connect
                                       ? "ifconfig-push 10.8.1." + cn.substr(3) + " 255.255.255.0\n"
                                       : "";
        return std::vector<FakeDaemon::Reply>{
            {verdict(m.id, allow, allow ? "" : "no: " + cn, config), delay}};
    });
    f.start({"budget_ms=0.2"});

    struct Client {
        std::string cn;
        bool connect;
        ClientFiles files;
    };
    std::vector<Client> clients;
    for (int i = 0; i < 200; ++i) {
        Client c{(i % 3 == 0 ? "no-" : "ok-") + std::to_string(i), i % 2 == 0, f.files()};
        const int rc = c.connect ? f.connect(c.cn, c.files) : f.auth(c.cn, c.files);
        REQUIRE(rc == OPENVPN_PLUGIN_FUNC_DEFERRED);
        clients.push_back(std::move(c));
    }
    for (const auto& c : clients) {
        INFO(c.cn);
        const bool allow = c.cn.rfind("ok", 0) == 0;
        REQUIRE(wait_for_content(c.files.control) == (allow ? "1" : "0"));
        if (c.connect && allow)
            CHECK(read_file(c.files.config) ==
                  "ifconfig-push 10.8.1." + c.cn.substr(3) + " 255.255.255.0\n");
        if (!c.connect && !allow) CHECK(read_file(c.files.reason) == "no: " + c.cn);
    }
}

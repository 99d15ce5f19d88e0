// The plugin's classes tested directly (the other tests go through the .so): argument
// parsing details and the request table's bounds.
#include <catch2/catch.hpp>

#include <fstream>

#include "fake_daemon.hpp"
#include "plugin/config.hpp"
#include "plugin/daemon_link.hpp"
#include "plugin/request.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::plugin;
using namespace std::chrono_literals;

namespace {

Config parse_ok(std::vector<const char*> args) {
    args.insert(args.begin(), "plugin.so");
    args.push_back(nullptr);
    Config c;
    REQUIRE(parse_config(args.data(), c).empty());
    return c;
}

}  // namespace

TEST_CASE("parse_config: defaults and decimal values", "[plugin][config]") {
    const Config d = parse_ok({"socket=/run/warden/plugin.sock"});
    CHECK(d.instance == "default");
    CHECK(d.budget == 20000us);
    CHECK(d.timeout == 10000ms);
    const Config c = parse_ok({"socket=/s", "budget_ms=0.5", "timeout_s=0.25", "instance=a.b-c_1"});
    CHECK(c.budget == 500us);
    CHECK(c.timeout == 250ms);
    CHECK(c.instance == "a.b-c_1");
    CHECK(parse_ok({"socket=/s", "budget_ms=0"}).budget == 0us);  // always defer: allowed
}

TEST_CASE("build_message forwards only the listed env vars, wipe_secrets clears the password",
          "[plugin]") {
    const char* envp[] = {"common_name=dev1", "password=s3cret", "passwordx=no",
                          "auth_control_file=/x", nullptr};
    auto msg = build_message(wire::Type::Auth, "inst", envp);
    CHECK(msg.get_or("instance", "") == "inst");
    CHECK(msg.get_or("common_name", "") == "dev1");
    CHECK(msg.get_or("password", "") == "s3cret");
    CHECK_FALSE(msg.get("passwordx"));
    CHECK_FALSE(msg.get("auth_control_file"));
    wipe_secrets(msg);
    CHECK(msg.get_or("password", "?").empty());
    CHECK(env_get(envp, "pass") == std::nullopt);
}

TEST_CASE("DaemonLink caps the requests in flight and refuses beyond", "[plugin][link]") {
    testing::TempDir dir;
    testing::FakeDaemon daemon(dir.file("d.sock"));
    daemon.set_responder(
        [](const wire::Message&) { return std::vector<testing::FakeDaemon::Reply>{}; });
    daemon.start();
    PluginLog log(nullptr);
    DaemonLink::Options o;
    o.socket_path = dir.file("d.sock");
    o.max_pending = 3;
    DaemonLink link(o, log);
    REQUIRE(link.start().empty());
    REQUIRE(link.connected());

    const std::string ctl = dir.file("ctl");
    { std::ofstream touch(ctl); }
    DeferredTarget target{DeferredTarget::Kind::Auth, ctl, "", ""};
    for (int i = 0; i < 3; ++i) {
        wire::Message m(wire::Type::Auth, 0);
        CHECK(link.call(m, 0us, &target).state == DaemonLink::Result::State::Deferred);
    }
    wire::Message extra(wire::Type::Auth, 0);
    const auto r = link.call(extra, 0us, &target);
    CHECK(r.state == DaemonLink::Result::State::Refused);
    CHECK(r.outcome.reason == "too many pending requests");

    link.stop();  // drops the deferred requests still in flight
    CHECK(link.pending_count() == 0);
}

TEST_CASE("DaemonLink abandons a slow request that cannot be deferred", "[plugin][link]") {
    testing::TempDir dir;
    testing::FakeDaemon daemon(dir.file("d.sock"));
    daemon.set_responder([](const wire::Message& m) {
        return std::vector<testing::FakeDaemon::Reply>{{testing::verdict(m.id, true), 30ms}};
    });
    daemon.start();
    PluginLog log(nullptr);
    DaemonLink::Options o;
    o.socket_path = dir.file("d.sock");
    DaemonLink link(o, log);
    REQUIRE(link.start().empty());
    wire::Message m(wire::Type::Connect, 0);
    const auto r = link.call(m, 1ms, nullptr);
    CHECK(r.state == DaemonLink::Result::State::Refused);
    CHECK(link.pending_count() == 0);
    REQUIRE(daemon.wait_sent(1));  // the late verdict arrives and finds nothing
    wire::Message again(wire::Type::Connect, 0);
    CHECK(link.call(again, 2s, nullptr).state == DaemonLink::Result::State::Answered);
}

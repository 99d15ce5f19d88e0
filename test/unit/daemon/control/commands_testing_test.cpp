// testing.clock exists only with [testing] clock_control and moves the daemon's clock.
#include <catch2/catch.hpp>

#include "control_fixture.hpp"

using namespace warden;
using namespace warden::control;

namespace {

struct ClockFixture {
    testing::TempDir dir;
    core::Config config;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Authority> authority;
    test::FakeSessions sessions;
    core::Clock clock{[] { return std::int64_t{1'800'000'000}; }};
    Caller root{0, "root", true, true};

    explicit ClockFixture(bool clock_control) {
        config.state_dir = dir.path.string();
        config.remote = "vpn.example.net";
        config.testing_clock_control = clock_control;
        Authority::create(config.pki_dir(), "test CA", 30, 30, std::time(nullptr));
        authority = std::make_unique<Authority>(config.pki_dir(), 30, 30);
        store = std::move(store::open_sqlite(config.database_path()).store);
    }

    Reply advance(std::int64_t seconds) {
        Services services{config, *store, *authority, sessions, clock};
        Registry fresh;
        register_all_commands(fresh, services);
        return fresh.dispatch(
            json::object{{"command", "testing.clock"}, {"args", {{"advance", seconds}}}}, root);
    }
};

}  // namespace

TEST_CASE("testing.clock is unknown unless clock_control is set", "[clock]") {
    ClockFixture f(false);
    CHECK(f.advance(60).code == Code::Usage);
    CHECK(f.clock.offset() == 0);
}

TEST_CASE("testing.clock moves the clock, tells listeners and is audited", "[clock]") {
    ClockFixture f(true);
    int jumps = 0;
    f.clock.on_jump([&] { ++jumps; });
    auto r = f.advance(600);
    REQUIRE(r.code == Code::Ok);
    CHECK(r.result.at("now").as_int64() == 1'800'000'600);
    CHECK(jumps == 1);
    CHECK(f.store->activity(0, 10).back().action == "testing.clock");
    CHECK(f.advance(-1).code == Code::Invalid);
    CHECK(f.clock.offset() == 600);
}

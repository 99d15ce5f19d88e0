// LicenseWatch against a real store, a fake SessionControl and a controllable clock. The
// timer's waits are not exercised (they are whole seconds); rearm() is what a clock jump,
// a license change and the timer itself call, so it is driven directly.
#include <catch2/catch.hpp>

#include "daemon/app/license_watch.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

struct FakeSessions : control::SessionControl {
    std::vector<std::int64_t> ended;
    std::vector<control::SessionView> list() override { return {}; }
    std::vector<control::InstanceView> instances() override { return {}; }
    std::size_t end_sessions_of_serial(const std::string&, const std::string&) override {
        return 0;
    }
    std::size_t end_sessions_of_device(std::int64_t id, const std::string& why) override {
        CHECK(why == "license expired");
        ended.push_back(id);
        return 1;
    }
};

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    FakeSessions sessions;
    boost::asio::io_context io;
    std::int64_t now = 1000;
    core::Clock clock{[this] { return now; }};
    app::LicenseWatch watch{io, *store, sessions, clock};

    std::int64_t device(const std::string& name, std::uint32_t ip, const std::string& license) {
        store::Device d;
        d.name = name;
        d.vpn_ip = ip;
        REQUIRE(store->add_device(d).ok());
        REQUIRE(store->assign_license(d.id, license, now).ok());
        return d.id;
    }
    void license(const std::string& name, std::optional<std::int64_t> expires) {
        store::License l;
        l.name = name;
        l.seats = 5;
        l.expires_at = expires;
        REQUIRE(store->add_license(l).ok());
    }
    std::size_t expiries_logged() {
        std::size_t n = 0;
        for (const auto& e : store->activity(0, 100)) n += e.action == "license.expire";
        return n;
    }
};

}  // namespace

TEST_CASE("an expired license ends its devices' sessions once, and only its devices'") {
    Fixture f;
    f.license("short", 2000);
    f.license("long", 9000);
    const auto a = f.device("a", 1, "short");
    const auto b = f.device("b", 2, "short");
    f.device("c", 3, "long");
    f.device("d", 4, "default");

    f.watch.start();
    CHECK(f.sessions.ended.empty());
    f.now = 1999;
    f.watch.rearm();
    CHECK(f.sessions.ended.empty());

    f.now = 2000;  // the clock jumped (or the timer fired) onto the expiry
    f.watch.rearm();
    CHECK(f.sessions.ended == std::vector<std::int64_t>{a, b});
    CHECK(f.store->find_license("short")->expiry_noted_at == 2000);
    REQUIRE(f.expiries_logged() == 1);
    const auto entry = f.store->activity(0, 1).at(0);
    CHECK(entry.actor == "wardend");
    CHECK(entry.object == "short");
    CHECK(entry.details == "devices=2 sessions_ended=2");

    f.now = 2500;
    f.watch.rearm();  // nothing new: no second kill, no second entry
    CHECK(f.sessions.ended.size() == 2);
    CHECK(f.expiries_logged() == 1);

    f.now = 20000;  // one jump past several expiries handles each
    f.license("later", 15000);
    f.watch.rearm();
    CHECK(f.sessions.ended.size() == 3);
    CHECK(f.expiries_logged() == 3);
    f.watch.stop();
}

TEST_CASE("an expiry that passed while the daemon was down is handled at start") {
    Fixture f;
    f.license("short", 1500);
    const auto a = f.device("a", 1, "short");
    f.now = 5000;
    f.watch.start();
    CHECK(f.sessions.ended == std::vector<std::int64_t>{a});
    CHECK(f.expiries_logged() == 1);
    f.watch.stop();
}

// The watch holds the daemon's one Clock: `testing.clock` advancing it (and telling the
// on_jump listeners, as the daemon wires them) reaches the watch without a second source.
TEST_CASE("an advance of the daemon clock reaches the license watch") {
    Fixture f;
    f.license("short", 2000);
    const auto a = f.device("a", 1, "short");
    f.clock.on_jump([&] { f.watch.rearm(); });
    f.watch.start();
    CHECK(f.sessions.ended.empty());
    f.clock.advance(1000);  // the source still says 1000
    CHECK(f.sessions.ended == std::vector<std::int64_t>{a});
    CHECK(f.store->find_license("short")->expiry_noted_at == 2000);
    f.watch.stop();
}

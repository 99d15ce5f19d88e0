// ReleaseWatch against a real store and a fake SessionControl: a release's end ends the
// device's session once (noted, logged), only due ends are handled, a clock jump or a
// new confirm re-arms; and the real timer fires within the second the release ends.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>

#include "daemon/app/release_watch.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

struct FakeSessions : control::SessionControl {
    std::vector<std::int64_t> ended;
    std::vector<std::chrono::system_clock::time_point> ended_at;
    std::vector<control::SessionView> list() override { return {}; }
    std::vector<control::InstanceView> instances() override { return {}; }
    std::size_t end_sessions_of_serial(const std::string&, const std::string&) override {
        return 0;
    }
    std::size_t end_sessions_of_device(std::int64_t id, const std::string& why) override {
        CHECK(why == app::kReleaseEnded);
        ended.push_back(id);
        ended_at.push_back(std::chrono::system_clock::now());
        return 1;
    }
};

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    FakeSessions sessions;
    boost::asio::io_context io;
    std::int64_t now = 1000;
    bool real_time = false;
    core::Clock clock{[this] { return real_time ? std::time(nullptr) : now; }};
    int ended_calls = 0;
    app::ReleaseWatch watch{io, *store, sessions, clock, [this] { ++ended_calls; }};

    std::int64_t released(const std::string& name, std::uint32_t ip, std::int64_t until) {
        store::Device d;
        d.name = name;
        d.vpn_ip = ip;
        REQUIRE(store->add_device(d).ok());
        store::TrSettings t;
        t.device_id = d.id;
        t.start = 0;
        t.end = until + 100000;
        REQUIRE(store->put_tr_settings(t).ok());
        store->set_tr_release(d.id, until);
        return d.id;
    }
    std::size_t ends_logged() {
        std::size_t n = 0;
        for (const auto& e : store->activity(0, 100)) n += e.action == "tr.ended";
        return n;
    }
};

}  // namespace

TEST_CASE("a release's end ends the device's session once, and only that device's") {
    Fixture f;
    const auto a = f.released("a", 1, 2000);
    const auto b = f.released("b", 2, 3000);
    f.watch.start();
    CHECK(f.sessions.ended.empty());
    f.now = 1999;
    f.watch.rearm();
    CHECK(f.sessions.ended.empty());

    f.now = 2000;  // the clock jumped (or the timer fired) onto the end
    f.watch.rearm();
    CHECK(f.sessions.ended == std::vector<std::int64_t>{a});
    CHECK(f.store->tr_settings(a)->release_noted);
    CHECK_FALSE(f.store->tr_settings(b)->release_noted);
    CHECK(f.ends_logged() == 1);
    CHECK(f.store->activity(0, 1).at(0).object == "a");
    CHECK(f.ended_calls == 1);

    f.watch.rearm();  // noted: not again
    CHECK(f.sessions.ended.size() == 1);
    CHECK(f.ended_calls == 1);

    // A new confirm releases again: its end is handled again.
    f.store->set_tr_release(a, 2500);
    f.now = 3000;
    f.watch.rearm();
    CHECK(f.sessions.ended == std::vector<std::int64_t>{a, a, b});
    CHECK(f.ends_logged() == 3);
}

TEST_CASE("a release that ended while wardend was down is handled at start") {
    Fixture f;
    const auto a = f.released("a", 1, 500);
    f.watch.start();
    CHECK(f.sessions.ended == std::vector<std::int64_t>{a});
}

TEST_CASE("the timer ends a release within a second of its end (real clock)") {
    Fixture f;
    f.real_time = true;
    const std::int64_t until = std::time(nullptr) + 2;
    const auto a = f.released("a", 1, until);
    f.watch.start();
    // Bounded: the release ends in <= 2 s; give the loop 4 s at most.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    while (f.sessions.ended.empty() && std::chrono::steady_clock::now() < deadline)
        f.io.run_for(std::chrono::milliseconds(50));
    REQUIRE(f.sessions.ended == std::vector<std::int64_t>{a});
    const auto end = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(until));
    const auto late =
        std::chrono::duration_cast<std::chrono::milliseconds>(f.sessions.ended_at[0] - end);
    CHECK(late.count() >= 0);
    CHECK(late.count() < 1000);
}

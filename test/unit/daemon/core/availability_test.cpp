// core::Availability: when offline and recovery alerts are due (SPEC §8), across flaps
// and restarts of wardend and OpenVPN.
#include <catch2/catch.hpp>

#include "daemon/core/availability.hpp"

using warden::core::Availability;
using warden::core::AvailabilityAlert;
using warden::core::StoredAvailability;
using Kind = AvailabilityAlert::Kind;

namespace {

constexpr std::int64_t kAfter = 300;

// Every offline alert due from `from` to `to`, second by second (as a timer would see).
std::vector<AvailabilityAlert> due_between(Availability& a, std::int64_t from, std::int64_t to) {
    std::vector<AvailabilityAlert> out;
    for (std::int64_t t = from; t <= to; ++t)
        for (const auto& alert : a.due(t)) out.push_back(alert);
    return out;
}

StoredAvailability stored(std::int64_t id, bool online, std::int64_t since,
                          std::optional<std::int64_t> alerted = std::nullopt) {
    return {id, online, since, /*created_at=*/10, alerted};
}

}  // namespace

TEST_CASE("availability: one offline alert after the threshold, then one recovery alert") {
    Availability a(kAfter);
    CHECK_FALSE(a.went_online(1, 1000));
    a.went_offline(1, 2000);
    CHECK(a.next_due() == 2300);
    CHECK(a.due(2299).empty());
    auto alerts = a.due(2300);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].kind == Kind::Offline);
    CHECK(alerts[0].device_id == 1);
    CHECK(alerts[0].offline_since == 2000);
    CHECK(alerts[0].at == 2300);
    CHECK(due_between(a, 2301, 9000).empty());  // one alert per outage
    CHECK_FALSE(a.next_due());

    auto back = a.went_online(1, 5000);
    REQUIRE(back);
    CHECK(back->kind == Kind::Recovered);
    CHECK(back->offline_since == 2000);
    CHECK(back->at == 5000);
    CHECK_FALSE(a.went_online(1, 5001));  // a second session: nothing new
}

TEST_CASE("availability: a device back within the threshold causes no alert") {
    Availability a(kAfter);
    a.went_online(1, 1000);
    a.went_offline(1, 2000);
    CHECK_FALSE(a.went_online(1, 2299));  // no offline alert went out: no recovery either
    CHECK(due_between(a, 2000, 9000).empty());
    CHECK_FALSE(a.next_due());
}

TEST_CASE("availability: the outage starts at the first disconnect, a new one after a recovery") {
    Availability a(kAfter);
    a.went_offline(1, 2000);
    a.went_offline(1, 2100);  // a second session's end: still the outage of 2000
    CHECK(a.next_due() == 2300);
    REQUIRE(a.due(2300).size() == 1);
    REQUIRE(a.went_online(1, 2400));
    a.went_offline(1, 2500);
    const auto again = due_between(a, 2500, 3000);
    REQUIRE(again.size() == 1);
    CHECK(again[0].offline_since == 2500);
}

TEST_CASE("availability: next_due is the earliest of several outages, dismiss drops one") {
    Availability a(kAfter);
    a.went_offline(1, 2000);
    a.went_offline(2, 1900);
    CHECK(a.next_due() == 2200);
    a.dismiss(2);
    CHECK(a.next_due() == 2300);
    a.due(2300);
    a.dismiss(1);  // not alerted after all: no recovery
    CHECK_FALSE(a.went_online(1, 2400));
}

TEST_CASE("availability: a wardend restart while devices stay connected causes no alert") {
    Availability a(kAfter);
    // Online since long before the restart at 5000; both still connected.
    a.restore({stored(1, true, 100), stored(2, true, 4000)}, 5000, true);
    CHECK_FALSE(a.online(1));
    CHECK(a.next_due() == 5300);  // the clock starts at the restart, not at 100
    CHECK(a.due(5001).empty());
    // The management interface came up at 5001 and lists both.
    CHECK(a.rebuilt({1, 2}, 5001).empty());
    CHECK(a.online(1));
    CHECK(a.online(2));
    CHECK(due_between(a, 5001, 9000).empty());
}

TEST_CASE("availability: after a restart a device that is gone is alerted threshold after it") {
    Availability a(kAfter);
    a.restore({stored(1, true, 100), stored(2, true, 100)}, 5000, true);
    CHECK(a.rebuilt({2}, 5001).empty());
    const auto alerts = due_between(a, 5001, 9000);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].device_id == 1);
    CHECK(alerts[0].offline_since == 5000);
    CHECK(alerts[0].at == 5300);
}

TEST_CASE("availability: without management interfaces a restart keeps devices online") {
    Availability a(kAfter);
    a.restore({stored(1, true, 100)}, 5000, false);
    CHECK(a.online(1));
    CHECK(due_between(a, 5000, 9000).empty());
    a.went_offline(1, 9000);  // its disconnect still comes through the plugin
    CHECK(a.next_due() == 9300);
}

TEST_CASE("availability: an offline alert recorded before a restart gets its recovery") {
    Availability a(kAfter);
    a.restore({stored(1, false, 2000, 2000)}, 5000, true);
    CHECK(due_between(a, 5000, 9000).empty());  // not alerted twice
    auto back = a.rebuilt({1}, 9001);
    REQUIRE(back.size() == 1);
    CHECK(back[0].kind == Kind::Recovered);
    CHECK(back[0].offline_since == 2000);
    CHECK(back[0].at == 9001);
}

TEST_CASE("availability: a stored outage carries over a restart only while not yet due") {
    Availability a(kAfter);
    a.restore({stored(1, false, 4900),   // went offline 100 s before the restart
               stored(2, false, 1000),   // would have been due long ago: not alerted now
               {3, false, 10, 10, {}}},  // added, never online: never down
              5000, true);
    a.rebuilt({}, 5001);
    const auto alerts = due_between(a, 5000, 20000);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].device_id == 1);
    CHECK(alerts[0].offline_since == 4900);
    CHECK(alerts[0].at == 5200);
}

TEST_CASE("availability: an OpenVPN restart is a flap, a client it loses is alerted") {
    Availability a(kAfter);
    a.went_online(1, 1000);
    a.went_online(2, 1000);
    SECTION("the clients' disconnects and reconnects arrive: no alert") {
        a.went_offline(1, 2000);
        a.went_offline(2, 2000);
        a.went_online(1, 2005);
        a.went_online(2, 2006);
        CHECK(due_between(a, 2000, 9000).empty());
    }
    SECTION("OpenVPN crashed (no disconnects): its interface is back at 2008 without 2") {
        a.went_online(1, 2008);  // reconnected before the list came: kept
        CHECK(a.rebuilt({}, 2008).empty());
        CHECK(a.online(1));
        CHECK_FALSE(a.online(2));
        const auto alerts = due_between(a, 2008, 9000);
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].device_id == 2);
        CHECK(alerts[0].offline_since == 2008);
    }
}

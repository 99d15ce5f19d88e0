// License rules, traffic months and user-typed times: pure functions, no store.
#include <catch2/catch.hpp>

#include "daemon/core/licensing.hpp"
#include "daemon/core/time_text.hpp"
#include "daemon/core/traffic.hpp"

using namespace warden;

namespace {

store::License license(std::int64_t id, std::optional<std::int64_t> expires,
                       std::optional<std::int64_t> noted = std::nullopt) {
    store::License l;
    l.id = id;
    l.name = "l" + std::to_string(id);
    l.seats = 10;
    l.expires_at = expires;
    l.expiry_noted_at = noted;
    return l;
}

// 2026-11-22T14:00:00Z
constexpr std::int64_t kT = 1795356000;

}  // namespace

TEST_CASE("a seat is valid until the second its license expires") {
    CHECK_FALSE(core::seat_valid(std::nullopt, 100));
    CHECK(core::seat_valid(license(1, std::nullopt), 100));
    CHECK(core::seat_valid(license(1, 101), 100));
    CHECK_FALSE(core::seat_valid(license(1, 100), 100));
    CHECK_FALSE(core::seat_valid(license(1, 50), 100));
}

TEST_CASE("the expiry timer fires for the earliest expiry not yet handled") {
    CHECK_FALSE(core::next_expiry({}));
    CHECK_FALSE(core::next_expiry({license(1, std::nullopt)}));
    CHECK(core::next_expiry({license(1, 500), license(2, 300), license(3, std::nullopt)}) == 300);
    // Handled expiries no longer count; an unhandled one in the past means "now".
    CHECK(core::next_expiry({license(1, 500), license(2, 300, 301)}) == 500);
    CHECK(core::next_expiry({license(1, 500), license(2, 100)}) == 100);
    CHECK_FALSE(core::next_expiry({license(2, 300, 301)}));
}

TEST_CASE("due expiries are the expired licenses not yet handled") {
    const std::vector<store::License> all = {license(1, 100), license(2, 200), license(3, 50, 60),
                                             license(4, std::nullopt)};
    auto due = core::due_expiries(all, 150);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id == 1);
    CHECK(core::due_expiries(all, 200).size() == 2);  // expires_at is the first second without
    CHECK(core::due_expiries(all, 99).empty());
}

TEST_CASE("a device without a valid seat shows no-license, with the time it lost it") {
    store::Device d;
    d.id = 1;
    d.state = store::DeviceState::Online;
    d.state_since = 40;
    d.created_at = 10;
    store::DeviceSeat seat{1, license(1, 100), 20};
    CHECK(core::shown_state(d, seat, 99).state == store::DeviceState::Online);
    CHECK(core::shown_state(d, seat, 99).since == 40);
    CHECK(core::shown_state(d, seat, 100).state == store::DeviceState::NoLicense);
    CHECK(core::shown_state(d, seat, 100).since == 100);
    seat.license.reset();
    CHECK(core::shown_state(d, seat, 99).state == store::DeviceState::NoLicense);
    CHECK(core::shown_state(d, seat, 99).since == 20);
    d.active = false;
    CHECK(core::shown_state(d, seat, 99).state == store::DeviceState::Deactivated);
}

TEST_CASE("traffic months are UTC calendar months") {
    CHECK(core::utc_month(0) == 197001);
    CHECK(core::utc_month(1769903999) == 202601);  // 2026-01-31T23:59:59Z
    CHECK(core::utc_month(1769904000) == 202602);  // 2026-02-01T00:00:00Z
    CHECK(core::utc_month(1798761599) == 202612);  // 2026-12-31T23:59:59Z
    CHECK(core::utc_month(1798761600) == 202701);
    CHECK(core::previous_month(202701) == 202612);
    CHECK(core::previous_month(202612) == 202611);
}

TEST_CASE("ISO 8601 times: with a zone exactly, without one through the local resolver") {
    const core::LocalResolver utc_plus_1 =
        [](const core::CivilTime& c) -> std::optional<std::int64_t> {
        return core::days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 +
               c.minute * 60 + c.second - 3600;
    };
    CHECK(core::parse_iso_time("2026-11-22T14:00Z", {}) == kT);
    CHECK(core::parse_iso_time("2026-11-22T14:00:00Z", {}) == kT);
    CHECK(core::parse_iso_time("2026-11-22 15:00+01:00", {}) == kT);
    CHECK(core::parse_iso_time("2026-11-22T15:30+0130", {}) == kT);
    CHECK(core::parse_iso_time("2026-11-22T09:00-05", {}) == kT);
    CHECK(core::parse_iso_time("2026-11-22T15:00", utc_plus_1) == kT);
    CHECK(core::parse_iso_time("2026-11-22", utc_plus_1) == kT - 14 * 3600 - 3600);
    CHECK(core::parse_iso_time("2024-02-29T00:00Z", {}) == 1709164800);
    CHECK(core::parse_iso_time("1970-01-01T00:00Z", {}) == 0);
    CHECK(core::parse_iso_time("2026-11-22T14:00", core::system_local_time).has_value());
    for (const char* bad :
         {"", "2026", "2026-11", "2026-13-01", "2026-02-29", "2026-11-31", "2026-11-22T24:00Z",
          "2026-11-22T14:60Z", "2026-11-22T14Z", "2026-11-22T14:00:61Z", "2026-11-22T14:00+15:00",
          "2026-11-22X", "2026-11-22T14:00Zjunk", "22.11.2026", "+2026-11-22", "1969-12-31Z",
          "2026-11-22T1:00Z", "２０２６-11-22"}) {
        INFO(bad);
        CHECK_FALSE(core::parse_iso_time(bad, utc_plus_1));
    }
}

TEST_CASE("durations and --since") {
    CHECK(core::parse_duration("90s") == 90);
    CHECK(core::parse_duration("30m") == 1800);
    CHECK(core::parse_duration("2h") == 7200);
    CHECK(core::parse_duration("7d") == 604800);
    for (const char* bad : {"", "s", "0s", "-5m", "5", "5w", "1.5h", "h2", "99999999999999999999d",
                            "4611686018427387904s"}) {
        INFO(bad);
        CHECK_FALSE(core::parse_duration(bad));
    }
    CHECK(core::parse_since("2h", kT, {}) == kT - 7200);
    CHECK(core::parse_since("2026-11-22T14:00Z", 0, {}) == kT);
    CHECK_FALSE(core::parse_since("yesterday", kT, core::system_local_time));
}

#include <catch2/catch.hpp>

#include "daemon/http/rate_limit.hpp"

using namespace warden::http;
using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST_CASE("rate limit: a burst of N is allowed, then one per window/N") {
    RateLimiter limiter({5, 60s, 100});
    const Clock::time_point t0{};
    for (int i = 0; i < 5; ++i) CHECK(limiter.allow("192.0.2.1", t0));
    CHECK_FALSE(limiter.allow("192.0.2.1", t0));
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 11999ms));
    CHECK(limiter.retry_after("192.0.2.1", t0 + 11000ms) == 1000ms);
    CHECK(limiter.allow("192.0.2.1", t0 + 12s));  // one refilled
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 12s));
    // A full minute of quiet refills the whole burst, and no more.
    for (int i = 0; i < 5; ++i) CHECK(limiter.allow("192.0.2.1", t0 + 100s));
    CHECK_FALSE(limiter.allow("192.0.2.1", t0 + 100s));
}

TEST_CASE("rate limit: refused attempts cost nothing") {
    RateLimiter limiter({2, 60s, 100});
    const Clock::time_point t0{};
    CHECK(limiter.allow("a", t0));
    CHECK(limiter.allow("a", t0));
    for (int i = 0; i < 50; ++i) CHECK_FALSE(limiter.allow("a", t0 + 1s));
    CHECK(limiter.allow("a", t0 + 30s));  // hammering did not push the refill back
}

TEST_CASE("rate limit: addresses are independent") {
    RateLimiter limiter({1, 60s, 100});
    const Clock::time_point t0{};
    CHECK(limiter.allow("a", t0));
    CHECK_FALSE(limiter.allow("a", t0));
    CHECK(limiter.allow("b", t0));
    CHECK(limiter.retry_after("c", t0) == 0ms);
}

TEST_CASE("rate limit: the table is bounded, the least recently seen address goes") {
    RateLimiter limiter({1, 60s, 3});
    const Clock::time_point t0{};
    CHECK(limiter.allow("a", t0));
    CHECK(limiter.allow("b", t0));
    CHECK(limiter.allow("c", t0));
    CHECK_FALSE(limiter.allow("a", t0));  // "a" is now the most recently seen
    CHECK(limiter.allow("d", t0));        // evicts "b", the oldest
    CHECK(limiter.size() == 3);
    CHECK_FALSE(limiter.allow("a", t0));  // still limited: kept
    CHECK_FALSE(limiter.allow("c", t0));
    CHECK(limiter.allow("b", t0));  // forgotten: starts again with a full bucket
    CHECK(limiter.size() == 3);
}

TEST_CASE("rate limit: keys group IPv6 by /64 and unmap IPv4") {
    CHECK(rate_key("192.0.2.7") == "192.0.2.7");
    CHECK(rate_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64");
    CHECK(rate_key("2001:db8:1:2::1") == rate_key("2001:db8:1:2:ffff::9"));
    CHECK(rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1"));
    CHECK(rate_key("::ffff:192.0.2.7") == "192.0.2.7");
    CHECK(rate_key("not an address") == "not an address");
}

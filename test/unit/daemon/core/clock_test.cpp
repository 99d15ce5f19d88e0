#include <catch2/catch.hpp>

#include "daemon/core/clock.hpp"

using warden::core::Clock;

TEST_CASE("clock: reads its source and adds what tests advanced", "[clock]") {
    std::int64_t real = 1000;
    Clock clock([&] { return real; });
    CHECK(clock.now() == 1000);
    real = 1005;
    CHECK(clock.now() == 1005);
    clock.advance(600);
    CHECK(clock.now() == 1605);
    CHECK(clock.offset() == 600);
    const Clock& reader = clock;  // what components hold
    real = 1010;
    CHECK(reader.now() == 1610);
}

TEST_CASE("clock: every listener hears each jump", "[clock]") {
    Clock clock([] { return std::int64_t{0}; });
    int first = 0, second = 0;
    clock.on_jump([&] { ++first; });
    clock.on_jump([&] { ++second; });
    clock.advance(1);
    clock.advance(2);
    CHECK(first == 2);
    CHECK(second == 2);
}

TEST_CASE("clock: defaults to the system time", "[clock]") {
    Clock clock;
    const auto before = static_cast<std::int64_t>(std::time(nullptr));
    const auto read = clock.now();
    CHECK(read >= before);
    CHECK(read <= before + 5);
}

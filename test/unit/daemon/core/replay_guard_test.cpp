// The TOTP replay guard in memory: a step is used the moment it is accepted; after a
// start, steps up to now + 1 count as used for 90 s for devices confirmed before it.
#include <catch2/catch.hpp>

#include "daemon/core/replay_guard.hpp"
#include "daemon/core/totp.hpp"

using warden::core::ReplayGuard;
namespace totp = warden::core::totp;

namespace {
constexpr std::int64_t kStart = 1700000020;  // 20 s into a step
const std::int64_t kStep = totp::step_of(kStart);
const ReplayGuard::Stored kConfirmedBefore{0, kStart - 3600};
const ReplayGuard::Stored kConfirmedAfter{0, kStart + 5};
}  // namespace

TEST_CASE("replay guard: a step is used at once, the store's last step counts too") {
    ReplayGuard g(kStart);
    const std::int64_t now = kStart + 200;
    const std::int64_t step = totp::step_of(now);
    CHECK(g.use(1, step, kConfirmedAfter, now));
    CHECK_FALSE(g.use(1, step, kConfirmedAfter, now));      // replay, store not written yet
    CHECK_FALSE(g.use(1, step - 1, kConfirmedAfter, now));  // older step
    CHECK(g.use(2, step, kConfirmedAfter, now));            // another device
    CHECK(g.use(1, step + 1, kConfirmedAfter, now));
    CHECK_FALSE(g.use(3, step, {step, kStart + 5}, now));  // the store has it
    CHECK(g.last_used(1, {0, std::nullopt}, now) == step + 1);
}

TEST_CASE("replay guard: after a start, steps up to now + 1 are used for 90 s") {
    ReplayGuard g(kStart);
    // A code used just before a crash (its write lost) is not accepted again.
    CHECK_FALSE(g.use(1, kStep, kConfirmedBefore, kStart));
    CHECK_FALSE(g.use(1, kStep + 1, kConfirmedBefore, kStart + 30));
    CHECK(g.last_used(1, kConfirmedBefore, kStart + 89) == kStep + 1);
    CHECK(g.use(1, kStep + 2, kConfirmedBefore, kStart + 45));
    // 90 s on, no step the crash rule covers is inside match()'s window any more.
    ReplayGuard later(kStart);
    CHECK(later.last_used(1, kConfirmedBefore, kStart + 90) == 0);
    CHECK(totp::step_of(kStart + 90) - totp::kWindow > kStep + 1);
    // Devices confirmed after the start (or not at all) used no code before it.
    CHECK(g.use(2, kStep + 1, kConfirmedAfter, kStart + 20));
    CHECK(g.use(3, kStep, {0, std::nullopt}, kStart));
}

TEST_CASE("replay guard: prune keeps only steps a code can still match") {
    ReplayGuard g(kStart);
    const std::int64_t now = kStart + 1000;
    REQUIRE(g.use(1, totp::step_of(now), kConfirmedAfter, now));
    REQUIRE(g.use(2, totp::step_of(now) - 5, kConfirmedAfter, now));
    g.prune(now);
    CHECK(g.size() == 1);
    CHECK_FALSE(g.use(1, totp::step_of(now), kConfirmedAfter, now));
}

#include <catch2/catch.hpp>

#include "daemon/core/time_restriction.hpp"

using namespace warden::core;
using Mode = TimeRestriction::Mode;

namespace {
const TimeRestriction kWindow{Mode::Window, 1000, 2000, 0};
const TimeRestriction kDuration{Mode::Duration, 1000, 2000, 300};
}  // namespace

TEST_CASE("time restriction: settings that cannot work are named") {
    CHECK_FALSE(invalid_restriction(kWindow));
    CHECK_FALSE(invalid_restriction(kDuration));
    CHECK(invalid_restriction({Mode::Window, 2000, 2000, 0}));
    CHECK(invalid_restriction({Mode::Window, 2000, 1000, 0}));
    CHECK(invalid_restriction({Mode::Duration, 1000, 2000, 0}));
    CHECK(invalid_restriction({Mode::Window, 1000, 2000, 60}));
}

TEST_CASE("time restriction: window mode releases until the window ends") {
    CHECK(confirm_at(kWindow, 999).refusal == "the window has not opened yet");
    CHECK(confirm_at(kWindow, 1000).until == 2000);
    CHECK(confirm_at(kWindow, 1999).until == 2000);
    CHECK(confirm_at(kWindow, 2000).refusal == "the window has closed");
    CHECK_FALSE(confirm_at(kWindow, 2000).until);
}

TEST_CASE("time restriction: duration mode releases for the duration from the confirm") {
    CHECK(confirm_at(kDuration, 1000).until == 1300);
    CHECK(confirm_at(kDuration, 1999).until == 2299);  // may outlast the activation window
    CHECK(confirm_at(kDuration, 2000).refusal == "the window has closed");
    CHECK(confirm_at(kDuration, 500).refusal == "the window has not opened yet");
    CHECK(confirm_at({Mode::Duration, 1000, 2000, 0}, 1500).refusal ==
          "time restriction misconfigured");
}

TEST_CASE("time restriction: a release admits until its end, not at it") {
    CHECK_FALSE(released(std::nullopt, 1500));
    CHECK(released(2000, 1999));
    CHECK_FALSE(released(2000, 2000));
}

TEST_CASE("time restriction: tokens expire with their window") {
    CHECK(token_expiry(kWindow, 500) == 2000);  // mailed before it opens: good into it
    CHECK(token_expiry(kWindow, 1500) == 2000);
    CHECK(token_expiry(kWindow, 2500) == 2500);  // after the end: born expired
    CHECK(token_expiry(kDuration, 1200) == 2000);
}

TEST_CASE("time restriction: at most one mailed token per resend interval") {
    CHECK(may_mail_token(std::nullopt, 1000, 300));
    CHECK_FALSE(may_mail_token(1000, 1299, 300));
    CHECK(may_mail_token(1000, 1300, 300));
    CHECK(may_mail_token(1000, 900, 300));  // the clock went back: not silenced
}

TEST_CASE("time restriction: one timer for the earliest pending release end") {
    CHECK_FALSE(next_release_end({}));
    CHECK(next_release_end({3000, 2000, 2500}) == 2000);
    CHECK(next_release_end({100}) == 100);  // already past: the caller fires at once
}

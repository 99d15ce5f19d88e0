// Ends the live session of a time-restricted device when its release ends (SPEC §4), with
// ONE timer armed for the earliest release end not yet handled (core::next_release_end),
// like app/license_watch. Re-armed on every TR change (Services::tr_changed, a confirm)
// and when the daemon's clock jumps. A handled end is noted in the store, so each is
// logged once, also across restarts (one that passed while wardend was down is handled
// at start).
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <functional>

#include "daemon/control/services.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

inline constexpr const char* kReleaseEnded = "time-restricted: release ended";

class ReleaseWatch {
  public:
    // `ended`: releases ended (the daemon reloads the verdict index and drops prefetched
    // verdicts, which may still allow the device).
    ReleaseWatch(
        boost::asio::io_context& io, store::Store& store, control::SessionControl& sessions,
        const core::Clock& clock, std::function<void()> ended = [] {});
    void start() { rearm(); }
    void stop();
    // Handles what is due now and arms the timer for the next release end.
    void rearm();

    // Longest single wait: a wall-clock step (NTP, admin) is noticed within this.
    static constexpr std::int64_t kMaxWaitSeconds = 300;

  private:
    void end_release(const store::TrSettings& settings, std::int64_t now);
    // From now to the start of second `at` of the daemon's clock, to the millisecond.
    std::chrono::milliseconds wait_until(std::int64_t at, std::int64_t now) const;

    boost::asio::steady_timer timer_;
    store::Store& store_;
    control::SessionControl& sessions_;
    const core::Clock& clock_;
    std::function<void()> ended_;
    std::uint64_t generation_ = 0;  // a cancelled wait may still be queued to run
};

}  // namespace warden::app

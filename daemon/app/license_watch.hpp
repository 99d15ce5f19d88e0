// Ends the sessions of devices whose license expired (SPEC §6) with ONE timer, armed for
// the earliest expiry not yet handled; nothing polls devices. The timer is re-armed when
// licenses or seats change (Services::licenses_changed) and when the daemon's clock jumps.
// A handled expiry is noted in the store, so each is logged once, also across restarts
// (one that passed while wardend was down is handled at start).
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <functional>

#include "daemon/control/services.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

class LicenseWatch {
  public:
    LicenseWatch(boost::asio::io_context& io, store::Store& store,
                 control::SessionControl& sessions, const core::Clock& clock);
    void start() { rearm(); }
    void stop();
    // Handles what is due now and arms the timer for the next expiry.
    void rearm();

    // Longest single wait: a wall-clock step (NTP, admin) is noticed within this.
    static constexpr std::int64_t kMaxWaitSeconds = 300;

  private:
    void expire(const store::License& license, std::int64_t now);

    boost::asio::steady_timer timer_;
    store::Store& store_;
    control::SessionControl& sessions_;
    const core::Clock& clock_;
    std::uint64_t generation_ = 0;  // a cancelled wait may still be queued to run
};

}  // namespace warden::app

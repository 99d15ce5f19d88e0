// Availability alerts (SPEC §8, issue 10): applies core::Availability's decisions. It is
// fed the devices' state changes (AuthService::on_state_change, at every connect and
// last disconnect) and the management interfaces' session lists once they come up
// (ManagedSessions::on_listed), and keeps ONE timer, armed for the next offline alert
// due; nothing polls the devices. The timer is re-armed after every change and when
// the daemon's clock jumps.
//
// An alert is applied in one transaction: the activity log entry (monitor.offline /
// monitor.recovered), the offline_alerts row that lets the recovery alert follow across
// a restart, and the mail to the device's address, or [mail] operator when it has
// none (no mail when there is neither, or [mail] is off: the entry says so).
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/control/notices.hpp"
#include "daemon/control/services.hpp"
#include "daemon/core/availability.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/config.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

class AvailabilityWatch {
  public:
    // `mail` is the daemon's outbox slot (Services::mail): empty while [mail] is off.
    AvailabilityWatch(boost::asio::io_context& io, store::Store& store, const core::Config& config,
                      const core::Clock& clock, const std::optional<control::MailOutbox>& mail);

    // wardend starts: the devices' state as the store has it (core/availability.hpp says
    // how a restart is kept from alerting), then the timer. `rebuild_follows`: there are
    // management interfaces whose lists will come (sessions_listed()).
    void start(bool rebuild_follows);
    void stop();

    void state_changed(std::int64_t device_id, store::DeviceState state, std::int64_t at);
    // What the management interfaces list now; `as_of`: when the one that just listed
    // for the first time came up.
    void sessions_listed(const std::vector<control::SessionView>& live, std::int64_t as_of);

    // Applies what is due now and arms the timer for the next offline alert.
    void rearm();

    // Longest single wait: a wall-clock step is noticed within this.
    static constexpr std::int64_t kMaxWaitSeconds = 300;

  private:
    void apply(const core::AvailabilityAlert& alert);
    void offline(const core::AvailabilityAlert& alert);
    void recovered(const core::AvailabilityAlert& alert);
    // The activity entry, the alert row change and the mail, in one transaction.
    void record(const store::Device& device, const std::string& action,
                const control::Notice& notice, std::int64_t at,
                const std::function<void()>& alert_row);
    std::set<std::int64_t> live_devices(const std::vector<control::SessionView>& live);
    std::map<std::string, std::int64_t> watched_common_names();

    boost::asio::steady_timer timer_;
    store::Store& store_;
    const core::Config& config_;
    const core::Clock& clock_;
    const std::optional<control::MailOutbox>& mail_;
    core::Availability rules_;
    bool stopped_ = false;
    std::uint64_t generation_ = 0;  // a cancelled wait may still be queued to run
};

}  // namespace warden::app

// When a monitored device's availability alerts are due (SPEC §8): pure rules over the
// device's state changes and the time; app/availability_watch applies them (mail, store,
// activity log, one timer).
//
// - An outage begins when a device goes offline. Its offline alert is due offline_after
//   seconds later, once; a device back within that time causes no alert at all.
// - A recovery alert is due when the device is back, only if the offline alert went out.
// - No storm when wardend or OpenVPN restarts. A restart loses the events of the time it
//   was away, so the state is rebuilt instead, and every clock it starts begins at the
//   restart at the earliest:
//     * wardend starts (restore()): a device the store shows online may or may not still
//       be connected, so it is taken as offline since the start (not since it connected,
//       not since wardend stopped) until the management interfaces list their sessions
//       (rebuilt()). Those lists come within a second or two, long before offline_after,
//       and mark every listed device online again: it was never down, no alert. Without
//       any management interface nothing can be rebuilt, so such a device is kept
//       online (a false alarm per device on every restart would be worse than missing
//       a device that left while wardend was down).
//     * a device the store shows offline keeps the outage it had, if its alert was not
//       yet due at the start. One whose alert would have been due earlier and has no
//       record of it was not alerted on purpose (not monitored then, or this is the
//       first start of a version with alerts): alerting now would be the storm.
//     * an offline alert recorded in the store stays: the recovery alert follows.
//     * OpenVPN restarts: its clients disconnect and reconnect within seconds (flaps,
//       no alert). When its management interface comes back, rebuilt() again takes the
//       devices it no longer lists as offline since it came back, not since they
//       connected: a client lost with an OpenVPN crash is alerted offline_after later.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace warden::core {

struct AvailabilityAlert {
    enum class Kind { Offline, Recovered };
    Kind kind = Kind::Offline;
    std::int64_t device_id = 0;
    std::int64_t offline_since = 0;  // when the outage began
    std::int64_t at = 0;             // when the alert is decided (now)
};

// A device as the store has it when wardend starts.
struct StoredAvailability {
    std::int64_t device_id = 0;
    bool online = false;  // the stored state is Online
    std::int64_t state_since = 0;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> alerted_outage;  // offline_since of a recorded offline alert
};

class Availability {
  public:
    explicit Availability(std::int64_t offline_after) : offline_after_(offline_after) {}

    // wardend starts at `started_at`; `rebuild_follows`: management interfaces will list
    // the live sessions (rebuilt()).
    void restore(const std::vector<StoredAvailability>& devices, std::int64_t started_at,
                 bool rebuild_follows);
    // A connect: the recovery alert, if the outage's offline alert went out.
    std::optional<AvailabilityAlert> went_online(std::int64_t device_id, std::int64_t at);
    void went_offline(std::int64_t device_id, std::int64_t at);
    // The management interfaces list `live` devices; `as_of` is when the interface came
    // up: a device that connected since then is online whatever the list says.
    std::vector<AvailabilityAlert> rebuilt(const std::set<std::int64_t>& live, std::int64_t as_of);

    // Offline alerts due at `now`, each returned once.
    std::vector<AvailabilityAlert> due(std::int64_t now);
    // When the next offline alert is due, if any outage awaits one.
    std::optional<std::int64_t> next_due() const;
    // The caller did not alert this outage (device not monitored, deactivated, deleted):
    // no alert for it, none when it is back.
    void dismiss(std::int64_t device_id) { tracks_.erase(device_id); }

    bool online(std::int64_t device_id) const;

  private:
    struct Track {
        bool online = false;
        std::int64_t since = 0;  // the latest connect, or when the outage began
        bool alerted = false;    // the outage's offline alert went out
    };
    std::int64_t offline_after_;
    std::map<std::int64_t, Track> tracks_;  // devices online or in an outage, by id
};

}  // namespace warden::core

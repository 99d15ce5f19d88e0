#include "daemon/core/availability.hpp"

#include <algorithm>

namespace warden::core {

void Availability::restore(const std::vector<StoredAvailability>& devices, std::int64_t started_at,
                           bool rebuild_follows) {
    tracks_.clear();
    for (const auto& d : devices) {
        if (d.alerted_outage) {
            tracks_[d.device_id] = {false, *d.alerted_outage, true};
        } else if (d.online) {
            tracks_[d.device_id] = rebuild_follows ? Track{false, started_at, false}
                                                   : Track{true, d.state_since, false};
        } else if (d.state_since > d.created_at && d.state_since + offline_after_ > started_at) {
            // Offline since it went away (not since it was added: never up, never down).
            tracks_[d.device_id] = {false, d.state_since, false};
        }
    }
}

std::optional<AvailabilityAlert> Availability::went_online(std::int64_t device_id,
                                                           std::int64_t at) {
    std::optional<AvailabilityAlert> recovery;
    auto it = tracks_.find(device_id);
    if (it != tracks_.end() && it->second.online) {  // a second session, or a reconnect
        it->second.since = at;                       // the rebuild goes by the latest
        return recovery;
    }
    if (it != tracks_.end() && it->second.alerted)
        recovery =
            AvailabilityAlert{AvailabilityAlert::Kind::Recovered, device_id, it->second.since, at};
    tracks_[device_id] = {true, at, false};
    return recovery;
}

void Availability::went_offline(std::int64_t device_id, std::int64_t at) {
    auto it = tracks_.find(device_id);
    if (it != tracks_.end() && !it->second.online) return;  // the outage began earlier
    tracks_[device_id] = {false, at, false};
}

std::vector<AvailabilityAlert> Availability::rebuilt(const std::set<std::int64_t>& live,
                                                     std::int64_t as_of) {
    std::vector<AvailabilityAlert> recoveries;
    for (const auto id : live) {
        if (auto r = went_online(id, as_of)) recoveries.push_back(*r);
    }
    for (auto& [id, track] : tracks_) {
        if (track.online && track.since < as_of && live.count(id) == 0)
            track = {false, as_of, false};
    }
    return recoveries;
}

std::vector<AvailabilityAlert> Availability::due(std::int64_t now) {
    std::vector<AvailabilityAlert> out;
    for (auto& [id, track] : tracks_) {
        if (track.online || track.alerted || track.since + offline_after_ > now) continue;
        track.alerted = true;
        out.push_back({AvailabilityAlert::Kind::Offline, id, track.since, now});
    }
    return out;
}

std::optional<std::int64_t> Availability::next_due() const {
    std::optional<std::int64_t> next;
    for (const auto& [id, track] : tracks_) {
        if (track.online || track.alerted) continue;
        const std::int64_t at = track.since + offline_after_;
        next = next ? std::min(*next, at) : at;
    }
    return next;
}

bool Availability::online(std::int64_t device_id) const {
    auto it = tracks_.find(device_id);
    return it != tracks_.end() && it->second.online;
}

}  // namespace warden::core

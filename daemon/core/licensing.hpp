// License rules as pure functions of the stored licenses and the time (SPEC §6): which
// seat is valid, which expiries are due, when the one expiry timer must fire next.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"

namespace warden::core {

// A seat is valid while its license has not expired (expires_at is the first second
// without it).
bool seat_valid(const std::optional<store::License>& license, std::int64_t now);

// Expired licenses whose devices' sessions have not been ended yet (expiry not noted).
std::vector<store::License> due_expiries(const std::vector<store::License>& licenses,
                                         std::int64_t now);

// When the timer must fire next: the earliest expiry not yet noted (possibly <= now:
// fire at once), or nullopt when no license is waiting to expire.
std::optional<std::int64_t> next_expiry(const std::vector<store::License>& licenses);

// The state a device shows: Deactivated, NoLicense or the stored Online/Offline, with
// the time it has been so.
struct ShownState {
    store::DeviceState state = store::DeviceState::Offline;
    std::int64_t since = 0;
};
ShownState shown_state(const store::Device& device, const store::DeviceSeat& seat,
                       std::int64_t now);

}  // namespace warden::core

#include "daemon/core/licensing.hpp"

#include <algorithm>

namespace warden::core {

bool seat_valid(const std::optional<store::License>& license, std::int64_t now) {
    return license && (!license->expires_at || now < *license->expires_at);
}

std::vector<store::License> due_expiries(const std::vector<store::License>& licenses,
                                         std::int64_t now) {
    std::vector<store::License> out;
    for (const auto& l : licenses) {
        if (l.expires_at && *l.expires_at <= now && !l.expiry_noted_at) out.push_back(l);
    }
    return out;
}

std::optional<std::int64_t> next_expiry(const std::vector<store::License>& licenses) {
    std::optional<std::int64_t> next;
    for (const auto& l : licenses) {
        if (!l.expires_at || l.expiry_noted_at) continue;
        next = next ? std::min(*next, *l.expires_at) : *l.expires_at;
    }
    return next;
}

ShownState shown_state(const store::Device& device, const store::DeviceSeat& seat,
                       std::int64_t now) {
    if (!device.active) return {store::DeviceState::Deactivated, device.state_since};
    if (!seat.license)
        return {store::DeviceState::NoLicense, std::max(seat.since, device.created_at)};
    if (!seat_valid(seat.license, now))
        return {store::DeviceState::NoLicense, *seat.license->expires_at};
    return {device.state, device.state_since};
}

}  // namespace warden::core

#include "daemon/control/device_extras.hpp"

#include <cstdio>

#include "daemon/core/licensing.hpp"
#include "daemon/core/traffic.hpp"

namespace warden::control {

DeviceExtras DeviceExtras::load(Services& s) {
    DeviceExtras x;
    x.now_ = s.now();
    for (auto& seat : s.store.device_seats()) x.seats_[seat.device_id] = std::move(seat);
    const int month = core::utc_month(x.now_);
    for (const auto& t : s.store.traffic_summary(month, core::previous_month(month))) {
        auto& sums = x.traffic_[t[0].device_id];
        for (std::size_t i = 0; i < 3; ++i) sums[i] = t[i].bytes_received + t[i].bytes_sent;
    }
    // Bytes of sessions still running: not in the table until they end.
    for (const auto& v : s.sessions.list()) {
        if (!v.device_id) continue;
        auto& sums = x.traffic_[*v.device_id];
        sums[0] += v.bytes_received + v.bytes_sent;
        sums[2] += v.bytes_received + v.bytes_sent;
    }
    return x;
}

void DeviceExtras::annotate(json::object& row, const store::Device& d) const {
    auto seat_it = seats_.find(d.id);
    const store::DeviceSeat seat =
        seat_it == seats_.end() ? store::DeviceSeat{d.id, std::nullopt, 0} : seat_it->second;
    const auto shown = core::shown_state(d, seat, now_);
    row["state"] = std::string(store::to_string(shown.state));
    row["since"] = iso_time(shown.since);
    row["license"] = seat.license ? json::value(seat.license->name) : json::value(nullptr);
    row["license_expires"] = seat.license && seat.license->expires_at
                                 ? json::value(iso_time(*seat.license->expires_at))
                                 : json::value(nullptr);
    auto t = traffic_.find(d.id);
    const std::array<std::uint64_t, 3> sums =
        t == traffic_.end() ? std::array<std::uint64_t, 3>{} : t->second;
    row["traffic_month"] = sums[0];
    row["traffic_prev_month"] = sums[1];
    row["traffic_total"] = sums[2];
}

json::array monthly_traffic(Services& s, std::int64_t device_id) {
    json::array out;
    for (const auto& t : s.store.traffic_of(device_id)) {
        char month[16];
        std::snprintf(month, sizeof month, "%04d-%02d", t.month / 100, t.month % 100);
        out.push_back(json::object{
            {"month", month}, {"bytes_received", t.bytes_received}, {"bytes_sent", t.bytes_sent}});
    }
    return out;
}

std::optional<std::string> check_license_choice(Services& s, const std::string& name) {
    auto license = s.store.find_license(name);
    if (!license) return "license: unknown license " + name;
    if (!core::seat_valid(license, s.now())) return "license: " + name + " has expired";
    if (license->used >= license->seats)
        return "license: no free seat on " + name + " (" + std::to_string(license->used) + " of " +
               std::to_string(license->seats) + " used)";
    return std::nullopt;
}

}  // namespace warden::control

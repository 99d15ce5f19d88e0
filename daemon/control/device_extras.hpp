// What licenses and traffic add to the device family: the state a device shows
// (`no-license` beside deactivated/online/offline), its license, and its traffic in the
// current and previous UTC month and in total, live sessions' bytes counted in the
// current month. Loaded once per listing: a few queries, not a few per device.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>

#include "daemon/control/services.hpp"

namespace warden::control {

class DeviceExtras {
  public:
    static DeviceExtras load(Services& services);
    // Sets state, since, license, license_expires, traffic_month, traffic_prev_month and
    // traffic_total (bytes received + sent) on a device_to_json() object.
    void annotate(json::object& row, const store::Device& device) const;

  private:
    std::int64_t now_ = 0;
    std::map<std::int64_t, store::DeviceSeat> seats_;
    std::map<std::int64_t, std::array<std::uint64_t, 3>> traffic_;  // month, previous, total
};

// Every month with traffic (ended sessions only), oldest first: [{month: "2026-11",
// bytes_received, bytes_sent}] for `device show`.
json::array monthly_traffic(Services& services, std::int64_t device_id);

// `device add --license L`: the problem with L ("license: ..."), checked before acting.
std::optional<std::string> check_license_choice(Services& services, const std::string& license);

}  // namespace warden::control

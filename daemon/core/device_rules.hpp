// Validation of device input, as pure functions. Each problem names the field first
// ("network: overlaps the VPN pool 10.8.0.0/24") so the CLI can show it as is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

inline constexpr std::size_t kMaxNameLength = 64;

// Names: 1..64 of [A-Za-z0-9._@-], starting with a letter or digit. They end up in
// certificate subjects, file names and CSV exports, so nothing that needs quoting.
std::optional<std::string> check_device_name(std::string_view name);

// Checks a router's accessible network against the pool and every other device.
// `self_id` is skipped (editing a device does not conflict with itself).
std::optional<std::string> check_network(const net::Network& network, const net::Network& pool,
                                         const std::vector<store::Device>& devices,
                                         std::int64_t self_id = 0);

}  // namespace warden::core

// What wardend tells its service manager (systemd, sd_notify): the STATUS= text and how
// often to ping the watchdog. Pure: daemon/app/systemd_notifier sends it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace warden::core {

// "3 devices, 1 session"; `note` (e.g. a failed reload) is appended after "; ".
std::string service_status(std::size_t devices, std::size_t sessions, const std::string& note = {});

// systemd restarts a service that does not ping within WATCHDOG_USEC; sd_watchdog_enabled(3)
// advises pinging at half of it, so one late ping never costs a restart. 0: no watchdog.
std::chrono::microseconds watchdog_ping_interval(std::uint64_t watchdog_usec);

// The notification for SIGHUP: RELOADING=1 with the CLOCK_MONOTONIC time systemd 253+
// requires (Type=notify-reload); older systemd ignores the extra field.
std::string reloading_message(std::uint64_t monotonic_usec);

}  // namespace warden::core

// A plugin's Report frame (common/protocol.hpp) decoded once, at the edge, into
// core::DeferralReport; anything malformed is refused here and never counted.
#pragma once

#include <optional>
#include <string>

#include "common/wire.hpp"
#include "daemon/core/verdict_stats.hpp"

namespace warden::server {

// nullopt (and `error` says which field) when a field is missing or malformed.
std::optional<core::DeferralReport> decode_report(const wire::Message& msg, std::string& error);

// The daemon's log line for a report: "verdict deferred" / "deferred verdict late".
void log_report(const core::DeferralReport& report, const std::string& instance);

}  // namespace warden::server

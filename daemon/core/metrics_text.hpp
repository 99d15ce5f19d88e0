// Prometheus text exposition (format 0.0.4) of wardend's numbers, as a pure function of a
// snapshot the daemon takes when a scrape arrives (app/metrics_setup). No sockets, no
// store: see metrics_text_test.cpp, and the e2e test that has promtool check a scrape.
//
// Names are warden_*, with the unit in the name (_seconds, _total, _timestamp_seconds);
// every family has HELP and TYPE lines; label values are escaped (\ " newline). Labels
// come only from fixed sets (outcome, refusal class, state), never from client input, so
// a scrape's size does not grow with what clients send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/login_service.hpp"
#include "daemon/core/verdict_stats.hpp"

namespace warden::core {

struct FirewallMetrics {
    std::uint64_t applies = 0, apply_failures = 0;
    double apply_seconds = 0;
    std::int64_t last_apply = 0;  // unix seconds, 0: never
    std::uint64_t repairs = 0;
    bool failing = false;
};

struct MetricsSnapshot {
    std::string version;          // build info
    std::int64_t started_at = 0;  // unix seconds
    VerdictStats verdicts;        // counts, latency, deferrals
    LoginCounts logins;
    std::uint64_t sessions = 0;  // live VPN sessions
    std::uint64_t plugin_connections = 0;
    std::vector<std::pair<std::string, std::uint64_t>> devices_by_state;  // state -> count
    std::vector<std::pair<std::string, std::uint64_t>> pending_certs;     // state -> count
    std::optional<FirewallMetrics> firewall;  // nullopt: [firewall] enabled = false
    std::optional<std::uint64_t> mail_queue;  // pending messages; nullopt: mail off
    std::optional<std::uint64_t> mail_failed;
    std::optional<std::int64_t> crl_next_update;   // unix seconds
    bool crl_alarm = false;                        // the last re-sign failed
    std::optional<std::int64_t> ca_not_after;      // the CA certificate's
    std::optional<std::int64_t> cert_next_expiry;  // earliest device certificate's
};

// "a\"b" for a label value: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);

// The exposition, ending in a newline. Content type: kMetricsContentType.
std::string render_metrics(const MetricsSnapshot& snapshot);

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace warden::core

// Why verdicts miss the plugin's budget, in numbers (`wardenctl status`): how long the
// daemon took per verdict from frame read to reply handed to the socket, and what the
// plugins reported about deferrals (each one costs the client OpenVPN's ~1 s deferred
// cycle). Pure counters: the plugin server feeds them, the status command reads a copy.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace warden::core {

enum class RequestKind { Auth, Connect };
enum class DeferralCause { Budget, Queued };  // verdict too slow / daemon away

// A plugin's Report, decoded and validated at the edge (server/plugin_report.cpp).
struct DeferralReport {
    enum class Event { Deferred, Late };
    Event event = Event::Deferred;
    RequestKind kind = RequestKind::Auth;
    std::string common_name;
    DeferralCause cause = DeferralCause::Budget;  // Deferred
    double waited_ms = 0;                         // Deferred: OpenVPN's thread waited this long
    double late_ms = 0;                           // Late: request to verdict
    bool allowed = false;                         // Late
    bool timed_out = false;                       // Late: no verdict within timeout_s
};

struct DeferralCounts {
    std::uint64_t total = 0, auth = 0, connect = 0;
    std::uint64_t budget = 0, queued = 0;  // by cause
    std::uint64_t late = 0;                // deferred verdicts written
    std::uint64_t timed_out = 0;           // of those, refused for want of a verdict
    double max_late_ms = 0;
};

// The daemon's own share: frame read -> reply handed to the socket, per verdict.
struct VerdictTimes {
    std::uint64_t count = 0;
    std::uint64_t over_1ms = 0, over_2ms = 0;  // the plugin's default budget is 2 ms
    std::int64_t max_us = 0;
};

class VerdictStats {
  public:
    void record(const DeferralReport& report);
    void verdict_took(std::chrono::steady_clock::duration elapsed);

    const DeferralCounts& deferrals() const { return deferrals_; }
    const VerdictTimes& times() const { return times_; }

  private:
    DeferralCounts deferrals_;
    VerdictTimes times_;
};

std::string_view kind_name(RequestKind kind);
std::string_view cause_name(DeferralCause cause);

}  // namespace warden::core

// Why verdicts miss the plugin's budget, in numbers (`wardenctl status`): how long the
// daemon took per verdict from frame read to reply handed to the socket, and what the
// plugins reported about deferrals (each one costs the client OpenVPN's ~1 s deferred
// cycle). Pure counters: the plugin server feeds them, the status command reads a copy,
// and so do the Prometheus metrics (verdicts by outcome and reason, latency histogram).
#pragma once

#include <array>
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

// Upper bounds (microseconds) of the verdict latency histogram's buckets (Prometheus
// `le`, plus +Inf): around the plugin's 2 ms budget, up to what a deferral costs.
inline constexpr std::array<std::int64_t, 10> kVerdictBucketsUs = {
    100, 250, 500, 1000, 2000, 5000, 10000, 50000, 250000, 1000000};

// The daemon's own share: frame read -> reply handed to the socket, per verdict.
struct VerdictTimes {
    std::uint64_t count = 0;
    std::uint64_t over_1ms = 0, over_2ms = 0;  // the plugin's default budget is 2 ms
    std::int64_t max_us = 0;
    std::int64_t sum_us = 0;
    // buckets[i]: verdicts that took at most kVerdictBucketsUs[i] and more than the bound
    // before (not cumulative: the renderer sums); the last one counts the slower ones.
    std::array<std::uint64_t, kVerdictBucketsUs.size() + 1> buckets{};
};

// Why a client was refused, as a bounded set of labels (metrics): the refusal texts
// carry names and numbers, so each is mapped to its class by its fixed prefix.
enum class RefusalClass : std::uint8_t {
    NoSerial,
    NotRegistered,
    Revoked,
    NotYetValid,
    Expired,
    DeviceDeleted,
    Deactivated,
    NoLicense,
    NotReleased,
    OutsidePool,
    LoginFailed,
    Locked,
    CredentialsRequired,
    FreshLogin,
    ConfigTooLarge,
    PendingAuthorization,
    UpdateRequired,
    CertificateRejected,
    CaNotListed,
    Other,
};
inline constexpr std::size_t kRefusalClasses = static_cast<std::size_t>(RefusalClass::Other) + 1;

RefusalClass refusal_class(std::string_view reason);
std::string_view refusal_label(RefusalClass c);  // "not_registered", ...

// Verdicts answered, by request kind and outcome (refusals by class). Fixed arrays: a
// count is one increment on the verdict path, no allocation, no lock (io thread only).
struct VerdictCounts {
    std::array<std::uint64_t, 2> allowed{};                               // by RequestKind
    std::array<std::array<std::uint64_t, kRefusalClasses>, 2> refused{};  // kind, class
    std::array<std::uint64_t, 2> errors{};  // malformed request / internal error replies
};

class VerdictStats {
  public:
    void record(const DeferralReport& report);
    void verdict_took(std::chrono::steady_clock::duration elapsed);
    // A verdict answered (allow, or deny with its reason).
    void verdict(RequestKind kind, bool allow, std::string_view reason);
    // An Error reply to an Auth or Connect (malformed request, internal error).
    void verdict_error(RequestKind kind);

    const DeferralCounts& deferrals() const { return deferrals_; }
    const VerdictTimes& times() const { return times_; }
    const VerdictCounts& counts() const { return counts_; }

  private:
    DeferralCounts deferrals_;
    VerdictTimes times_;
    VerdictCounts counts_;
};

std::string_view kind_name(RequestKind kind);
std::string_view cause_name(DeferralCause cause);

}  // namespace warden::core

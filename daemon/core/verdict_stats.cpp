#include "daemon/core/verdict_stats.hpp"

#include <algorithm>

namespace warden::core {

void VerdictStats::record(const DeferralReport& r) {
    auto& d = deferrals_;
    if (r.event == DeferralReport::Event::Late) {
        ++d.late;
        if (r.timed_out) ++d.timed_out;
        d.max_late_ms = std::max(d.max_late_ms, r.late_ms);
        return;
    }
    ++d.total;
    ++(r.kind == RequestKind::Auth ? d.auth : d.connect);
    ++(r.cause == DeferralCause::Budget ? d.budget : d.queued);
}

void VerdictStats::verdict_took(std::chrono::steady_clock::duration elapsed) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    ++times_.count;
    if (us > 1000) ++times_.over_1ms;
    if (us > 2000) ++times_.over_2ms;
    times_.max_us = std::max<std::int64_t>(times_.max_us, us);
}

std::string_view kind_name(RequestKind kind) {
    return kind == RequestKind::Auth ? "auth" : "connect";
}

std::string_view cause_name(DeferralCause cause) {
    return cause == DeferralCause::Budget ? "budget" : "queued";
}

}  // namespace warden::core

#include "daemon/core/replay_guard.hpp"

#include <algorithm>

#include "daemon/core/totp.hpp"

namespace warden::core {

ReplayGuard::ReplayGuard(std::int64_t started_at)
    : started_at_(started_at), crash_floor_(totp::step_of(started_at) + 1) {}

std::int64_t ReplayGuard::last_used(std::int64_t device_id, const Stored& stored,
                                    std::int64_t now) const {
    std::int64_t last = stored.last_step;
    if (const auto it = used_.find(device_id); it != used_.end()) last = std::max(last, it->second);
    // Confirmed after the start: every code it used since is in memory.
    const bool before_start = stored.confirmed_at && *stored.confirmed_at < started_at_;
    if (before_start && now < started_at_ + kCrashGraceSeconds) last = std::max(last, crash_floor_);
    return last;
}

bool ReplayGuard::use(std::int64_t device_id, std::int64_t step, const Stored& stored,
                      std::int64_t now) {
    if (step <= last_used(device_id, stored, now)) return false;
    used_[device_id] = step;
    return true;
}

void ReplayGuard::prune(std::int64_t now) {
    const std::int64_t oldest_matchable = totp::step_of(now) - totp::kWindow;
    std::erase_if(used_, [&](const auto& entry) { return entry.second < oldest_matchable; });
}

}  // namespace warden::core

#include "daemon/mail/retry_policy.hpp"

#include <algorithm>

namespace warden::mail {

namespace {
constexpr std::int64_t kFirstDelay = 60;
constexpr std::int64_t kMaxDelay = 3600;
}  // namespace

std::int64_t retry_delay(int failed_attempts) {
    std::int64_t delay = kFirstDelay;
    for (int i = 1; i < failed_attempts && delay < kMaxDelay; ++i) delay *= 2;
    return std::min(delay, kMaxDelay);
}

AttemptDecision decide_after_attempt(SendStatus status, int attempts_before,
                                     std::int64_t created_at, std::int64_t retry_for,
                                     std::int64_t now) {
    switch (status) {
        case SendStatus::ok:
            return {AfterAttempt::sent, 0};
        case SendStatus::permanent:
            return {AfterAttempt::reject, 0};
        case SendStatus::temporary:
            break;
    }
    const std::int64_t deadline = created_at + retry_for;
    if (now >= deadline) return {AfterAttempt::give_up, 0};
    const std::int64_t next = now + retry_delay(attempts_before + 1);
    return {AfterAttempt::retry, std::min(next, deadline)};
}

}  // namespace warden::mail

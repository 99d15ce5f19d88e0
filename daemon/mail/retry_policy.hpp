// What the mail worker does after one attempt (issue 10). Pure: the caller passes the
// clock's time and applies the decision to the store and the log.
#pragma once

#include <cstdint>

#include "daemon/mail/smtp.hpp"

namespace warden::mail {

enum class AfterAttempt {
    sent,     // mark sent
    retry,    // keep pending until next_attempt_at
    give_up,  // temporary errors until created_at + retry_for: mark failed
    reject,   // permanent error: mark failed at once
};

struct AttemptDecision {
    AfterAttempt action = AfterAttempt::retry;
    std::int64_t next_attempt_at = 0;  // only for retry
};

// Backoff before the next attempt, after `failed_attempts` failed ones (1 for the first
// failure): 1 min, doubling, at most 1 h.
std::int64_t retry_delay(int failed_attempts);

// `attempts_before`: attempts already recorded for the row (this one not counted).
// A retry is never scheduled past the deadline: the last one is made at it, and a
// temporary failure at or after the deadline gives up.
AttemptDecision decide_after_attempt(SendStatus status, int attempts_before,
                                     std::int64_t created_at, std::int64_t retry_for,
                                     std::int64_t now);

}  // namespace warden::mail

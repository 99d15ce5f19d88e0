#include "daemon/core/time_restriction.hpp"

#include <algorithm>

namespace warden::core {

std::optional<std::string> invalid_restriction(const TimeRestriction& tr) {
    if (tr.end <= tr.start) return "the window must end after it starts";
    if (tr.mode == TimeRestriction::Mode::Duration && tr.duration <= 0)
        return "duration mode needs a positive duration";
    if (tr.mode == TimeRestriction::Mode::Window && tr.duration != 0)
        return "window mode takes no duration";
    return std::nullopt;
}

bool released(std::optional<std::int64_t> released_until, std::int64_t now) {
    return released_until && now < *released_until;
}

ConfirmResult confirm_at(const TimeRestriction& tr, std::int64_t now) {
    if (invalid_restriction(tr)) return {std::nullopt, "time restriction misconfigured"};
    if (now < tr.start) return {std::nullopt, "the window has not opened yet"};
    if (now >= tr.end) return {std::nullopt, "the window has closed"};
    if (tr.mode == TimeRestriction::Mode::Window) return {tr.end, {}};
    return {now + tr.duration, {}};
}

std::int64_t token_expiry(const TimeRestriction& tr, std::int64_t sent_at) {
    // A token is only good for confirming inside the window, so it is never kept past
    // the window's end; one mailed after the end is born expired.
    return std::max(sent_at, tr.end);
}

bool may_mail_token(std::optional<std::int64_t> last_sent, std::int64_t now,
                    std::int64_t resend_interval) {
    if (!last_sent) return true;
    // A clock that went back: allow, rather than stay silent until it catches up.
    if (now < *last_sent) return true;
    return now - *last_sent >= resend_interval;
}

std::optional<std::int64_t> next_release_end(const std::vector<std::int64_t>& pending_ends) {
    if (pending_ends.empty()) return std::nullopt;
    return *std::min_element(pending_ends.begin(), pending_ends.end());
}

}  // namespace warden::core

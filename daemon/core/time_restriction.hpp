// Time-restricted (TR) access as pure functions of a device's TR settings, its current
// release and the time. A TR device connects only while released; a release comes from
// confirming a token that was mailed to the device's address.
//
//   Window mode:   a window [start, end). Confirming inside it releases until `end`.
//   Duration mode: an activation window [start, end) and a duration. Confirming inside
//                  the activation window releases for `duration` from that moment.
//
// Times are Unix seconds; an "end" is the first second without access. The daemon keeps
// one timer for the earliest release end (next_release_end) and ends the session then.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warden::core {

struct TimeRestriction {
    enum class Mode { Window, Duration };
    Mode mode = Mode::Window;
    std::int64_t start = 0;     // window / activation window
    std::int64_t end = 0;       //
    std::int64_t duration = 0;  // Duration mode: seconds of access after a confirm
};

// What the settings say, or why they are unusable (end not after start, no duration...).
std::optional<std::string> invalid_restriction(const TimeRestriction& tr);

// The reason a TR device without a release is refused with (also shown to the client).
inline constexpr const char* kNotReleased = "time-restricted: not released";

// Whether a TR device may connect at `now` given its release (the end of the access a
// confirmed token gave, if any).
bool released(std::optional<std::int64_t> released_until, std::int64_t now);

// Confirming a token at `now`: the release's end, or why it cannot release (outside the
// window / activation window).
struct ConfirmResult {
    std::optional<std::int64_t> until;  // set: released until then
    std::string refusal;                // otherwise: why not
};
ConfirmResult confirm_at(const TimeRestriction& tr, std::int64_t now);

// When a token mailed at `sent_at` stops being accepted: it expires with the window it
// can release in (never later than that window's end), and a token sent before the
// window opens stays valid into it.
std::int64_t token_expiry(const TimeRestriction& tr, std::int64_t sent_at);

// Whether an attempt to connect may mail another token now: at most one per
// `resend_interval` seconds per device (the admin's `tr send` is not limited).
bool may_mail_token(std::optional<std::int64_t> last_sent, std::int64_t now,
                    std::int64_t resend_interval);

// The one timer: the earliest of the release ends not yet acted on (possibly <= now, e.g.
// a release that ended while wardend was stopped: fire at once); nullopt when none.
std::optional<std::int64_t> next_release_end(const std::vector<std::int64_t>& pending_ends);

}  // namespace warden::core

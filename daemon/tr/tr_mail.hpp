// The token mail of time-restricted access: what it says (device, what confirming
// releases and until when, the link and the token), built from values only. The mail
// module (daemon/mail) builds the headers, so nothing here can inject one.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/model/tr.hpp"

namespace warden::tr {

// Who made the token go out: the device's own attempt, or an admin's `tr send`.
enum class Trigger { Attempt, Admin };

struct TokenMail {
    std::string subject;
    std::string body;
};

// "2026-12-02 17:00 UTC" (seconds only when not zero).
std::string utc_text(std::int64_t unix_seconds);

// What confirming releases: "access until 2026-12-02 17:00 UTC" (window) or "2h of
// access from the moment of confirming" (duration).
std::string release_effect(const model::TrSettings& settings);

// `link_base` is [http] public_url ("" leaves the link out; the token is always given).
TokenMail token_mail(const std::string& device, const model::TrSettings& settings,
                     const std::string& token, std::int64_t expires_at,
                     const std::string& link_base, Trigger trigger);

}  // namespace warden::tr

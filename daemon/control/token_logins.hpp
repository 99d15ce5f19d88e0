// Token logins (OpenVPN's auth-gen-token with a second factor the daemon checked once)
// stand in for that factor until they expire. Whatever weakens what a token vouched for
// ends the device's token logins in the same transaction as the change itself: a TOTP
// secret confirmed, reset or removed, a static password set or cleared, a certificate
// revoked, the device deactivated, its session ended by an admin. Its next renegotiation
// or reconnect then needs a fresh login. The rule lives here so no handler forgets it.
#pragma once

#include <cstdint>
#include <functional>

#include "daemon/control/services.hpp"

namespace warden::control {

// Runs `change` in one transaction; when it returns an ok outcome the device's token
// logins end in that transaction too. Returns the outcome of `change`.
store::Outcome commit_ending_token_logins(Services& services, std::int64_t device_id,
                                          const std::function<store::Outcome()>& change);

// Ends the device's token logins now, with no other change (session.kill: before the
// client reconnects with its token).
void end_token_logins(Services& services, std::int64_t device_id);

}  // namespace warden::control

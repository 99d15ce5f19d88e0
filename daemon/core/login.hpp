// "Do these credentials let this device in?" (SPEC §3) as a pure function of what the
// store holds about the device, what the client sent, and the time. No store, no clock:
// the caller (LoginService) loads LoginFacts and applies the returned effects.
//
// Which devices need credentials: TOTP enforced (confirmed once, until `totp off`), a
// static password set, or a pc in a group that requires TOTP. Others are admitted on
// their certificate alone and whatever they send is ignored.
//
// session_state (OpenVPN's auth-gen-token with external-auth):
//   Initial (or absent)  check the credentials
//   Authenticated        the client presents a token OpenVPN issued and still accepts;
//                        admitted without a code if the daemon checked a second factor
//                        for that session (renegotiation, short reconnect)
//   anything else        Expired / Invalid / *EmptyUser: a fresh login is needed
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/credential_rules.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

// Lockout escalates: the first lock lasts lock_seconds, each further lock without a
// successful login in between twice as long as the one before, up to max_lock_seconds.
// A successful login (or `totp unlock`) starts again at lock_seconds.
struct LoginPolicy {
    int max_failures = 5;                   // consecutive failures that lock the device
    std::int64_t lock_seconds = 300;        // how long the first lock lasts
    std::int64_t token_lifetime = 43200;    // auth-gen-token lifetime (server.conf)
    std::int64_t max_lock_seconds = 86400;  // escalation cap
};

struct LoginFacts {
    bool group_requires_totp = false;  // applies to pcs only
    std::optional<store::Totp> totp;
    store::LoginState login;
    std::vector<store::OneTimeCode> codes;             // the device's one-time codes
    std::optional<std::int64_t> token_session_device;  // device the session_id was verified for
    // Checks a static password against login.password_hash; empty: secrets::verify_password
    // (LoginService passes its PasswordCache, so a repeat login skips the slow hash).
    std::function<bool(std::string_view password, std::string_view hash)> verify_password;
};

// core/credential_rules.hpp asked with the facts loaded for a login.
bool needs_totp(const store::Device& device, const LoginFacts& facts);
bool needs_credentials(const store::Device& device, const LoginFacts& facts);

struct LoginAttempt {
    std::string_view username;
    std::string_view password;
    std::string_view session_state;
};

enum class LoginEvent { None, Failure, Locked };

// The brute-force part of store::LoginState, as an effect to write.
struct LockChange {
    int failures = 0;
    std::int64_t locked_until = 0;
    int lock_level = 0;
    bool operator==(const LockChange&) const = default;
};

struct LoginOutcome {
    bool allow = false;
    std::string reason;  // for the client and the connection log: coarse, never a hint
    std::string detail;  // for the daemon and activity log: what exactly (never a secret)
    std::string method;  // allowed: "none" | "token" | "totp" | "password" | "one-time code"
    LoginEvent event = LoginEvent::None;
    bool unlocked = false;  // a lock had run out before this attempt
    // Effects for the store.
    std::optional<std::int64_t> totp_step;    // accept this step (replay guard)
    std::optional<std::int64_t> use_code_id;  // consume this one-time code
    std::optional<LockChange> failures;       // new failures/lock/level
    bool remember_session = false;  // bind the session_id to the device (second factor checked)
};

LoginOutcome evaluate_login(const store::Device& device, const LoginFacts& facts,
                            const LoginAttempt& attempt, const LoginPolicy& policy,
                            std::int64_t now);

// Lockout arithmetic, exposed for its tests: the state after one more failure.
store::LoginState after_failure(store::LoginState state, const LoginPolicy& policy,
                                std::int64_t now);
bool is_locked(const store::LoginState& state, std::int64_t now);
// How long lock number `level` + 1 lasts: lock_seconds * 2^level, capped.
std::int64_t lock_duration(int level, const LoginPolicy& policy);

}  // namespace warden::core

#include "daemon/core/login.hpp"

#include <algorithm>

#include "daemon/core/credentials.hpp"
#include "daemon/core/duration.hpp"
#include "daemon/core/secrets.hpp"
#include "daemon/core/totp.hpp"

namespace warden::core {
namespace {

constexpr std::string_view kFailed = "login failed";
constexpr std::string_view kFreshLogin = "session expired: log in with a fresh code";

enum class TokenState { Initial, Authenticated, Expired, Invalid, Unknown };

TokenState token_state(std::string_view s) {
    if (s.empty() || s == "Initial") return TokenState::Initial;
    if (s == "Authenticated") return TokenState::Authenticated;
    if (s == "Expired" || s == "ExpiredEmptyUser") return TokenState::Expired;
    // AuthenticatedEmptyUser is an OpenVPN 3 workaround; the man page says to treat it
    // like Invalid unless it is needed, and warden's clients always send the username.
    if (s == "Invalid" || s == "AuthenticatedEmptyUser") return TokenState::Invalid;
    return TokenState::Unknown;
}

LoginOutcome allowed(std::string method) {
    LoginOutcome o;
    o.allow = true;
    o.method = std::move(method);
    return o;
}

LoginOutcome refused(std::string_view reason, std::string detail) {
    LoginOutcome o;
    o.reason = std::string(reason);
    o.detail = std::move(detail);
    return o;
}

// Result of checking the credentials themselves (lock and token already handled).
struct Check {
    bool ok = false;
    bool counts = true;  // a failure that counts towards the lock
    std::string method, detail;
    std::optional<std::int64_t> step, code_id;
};

Check fail(std::string detail, bool counts = true) {
    Check c;
    c.counts = counts;
    c.detail = std::move(detail);
    return c;
}

Check pass(std::string method) {
    Check c;
    c.ok = true;
    c.method = std::move(method);
    return c;
}

// A one-time code stands in for the TOTP code and the password.
std::optional<Check> check_access_code(const LoginFacts& facts, std::string_view code,
                                       std::int64_t now) {
    if (facts.codes.empty()) return std::nullopt;
    const std::string hash = secrets::access_code_hash(code);
    for (const auto& c : facts.codes) {
        if (!secrets::same_hash(hash, c.code_hash)) continue;
        if (c.used_at) return fail("one-time code " + std::to_string(c.id) + ": already used");
        if (now >= c.expires_at) return fail("one-time code " + std::to_string(c.id) + ": expired");
        Check ok = pass("one-time code");
        ok.code_id = c.id;
        return ok;
    }
    return std::nullopt;
}

Check check_totp(const LoginFacts& facts, std::string_view code, std::int64_t now) {
    if (!facts.totp) return fail("totp: required by the group but not set up", false);
    if (!facts.totp->confirmed_at) return fail("totp: reset, waiting for totp confirm", false);
    const auto step = totp::match(facts.totp->secret, code, now);
    if (!step) return fail("code: wrong or outside the time window");
    if (*step <= facts.totp->last_step) return fail("code: already used");
    Check ok = pass("totp");
    ok.step = step;
    return ok;
}

Check check_credentials(const store::Device& device, const LoginFacts& facts,
                        const LoginAttempt& attempt, std::int64_t now) {
    if (attempt.username != device.name) return fail("username: not the device's name");
    const auto creds = parse_credentials(attempt.password);
    if (!creds) return fail("password: empty or malformed");
    if (auto c = check_access_code(facts, creds->code, now)) return *c;
    const bool totp_needed = needs_totp(device, facts);
    if (!facts.login.password_hash.empty()) {
        if (totp_needed && !creds->challenge)
            return fail("password: the device needs its password and a code (SCRV1)");
        const bool verified =
            facts.verify_password
                ? facts.verify_password(creds->password, facts.login.password_hash)
                : secrets::verify_password(creds->password, facts.login.password_hash);
        if (!verified) return fail("password: wrong");
        if (!totp_needed) return pass("password");
    }
    return check_totp(facts, creds->code, now);
}

store::LoginRequirements requirements_of(const LoginFacts& facts) {
    return {facts.totp && facts.totp->enforced, !facts.login.password_hash.empty(),
            facts.group_requires_totp};
}

}  // namespace

bool needs_totp(const store::Device& device, const LoginFacts& facts) {
    return needs_totp(device, requirements_of(facts));
}

bool needs_credentials(const store::Device& device, const LoginFacts& facts) {
    return needs_credentials(device, requirements_of(facts));
}

bool is_locked(const store::LoginState& state, std::int64_t now) {
    return state.locked_until != 0 && now < state.locked_until;
}

std::int64_t lock_duration(int level, const LoginPolicy& policy) {
    std::int64_t seconds = policy.lock_seconds;
    for (int i = 0; i < level && seconds < policy.max_lock_seconds; ++i) seconds *= 2;
    return std::min(seconds, std::max(policy.max_lock_seconds, policy.lock_seconds));
}

store::LoginState after_failure(store::LoginState state, const LoginPolicy& policy,
                                std::int64_t now) {
    state.failures += 1;
    if (state.failures >= policy.max_failures) {
        state.failures = 0;
        state.locked_until = now + lock_duration(state.lock_level, policy);
        // Bounded so the doubling above never needs more steps than reach the cap.
        state.lock_level = std::min(state.lock_level + 1, 64);
    }
    return state;
}

LoginOutcome evaluate_login(const store::Device& device, const LoginFacts& facts,
                            const LoginAttempt& attempt, const LoginPolicy& policy,
                            std::int64_t now) {
    if (!needs_credentials(device, facts)) return allowed("none");
    switch (token_state(attempt.session_state)) {
        case TokenState::Initial:
            break;
        case TokenState::Authenticated:
            if (facts.token_session_device == device.id) return allowed("token");
            return refused(kFreshLogin, "session token: no second factor checked for it");
        case TokenState::Expired:
            return refused(kFreshLogin, "session token: expired");
        case TokenState::Invalid:
            return refused(kFreshLogin, "session token: invalid");
        case TokenState::Unknown:
            return refused(kFailed, "session_state: unknown value");
    }

    store::LoginState state = facts.login;
    if (is_locked(state, now))
        return refused("locked for another " + format_duration(state.locked_until - now),
                       "locked after repeated failed logins");
    const bool unlocked = state.locked_until != 0;
    if (unlocked) state = {state.password_hash, 0, 0, state.lock_level};  // the level stays

    const Check check = check_credentials(device, facts, attempt, now);
    LoginOutcome out = check.ok ? allowed(check.method) : refused(kFailed, check.detail);
    out.unlocked = unlocked;
    if (check.ok) {
        out.totp_step = check.step;
        out.use_code_id = check.code_id;
        out.remember_session = true;
        if (state.failures != 0 || unlocked || state.lock_level != 0) out.failures = LockChange{};
        return out;
    }
    if (!check.counts) {
        if (unlocked) out.failures = LockChange{0, 0, state.lock_level};
        return out;
    }
    const store::LoginState next = after_failure(state, policy, now);
    out.failures = LockChange{next.failures, next.locked_until, next.lock_level};
    out.event = next.locked_until != 0 ? LoginEvent::Locked : LoginEvent::Failure;
    return out;
}

}  // namespace warden::core

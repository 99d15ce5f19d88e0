#include "daemon/core/login_service.hpp"

#include "common/log.hpp"

namespace warden::core {
namespace {

constexpr std::string_view kActor = "wardend";

Verdict refuse(Verdict v, std::string reason) {
    v.allow = false;
    v.reason = std::move(reason);
    v.config.clear();
    return v;
}

}  // namespace

LoginService::LoginService(store::Store& store, const VerdictIndex& index, LoginPolicy policy)
    : store_(store), index_(index), policy_(policy) {}

LoginFacts LoginService::load(const store::Device& device, std::string_view session_id) {
    LoginFacts f;
    f.group_requires_totp = index_.login_requirements(device.id).group_requires_totp;
    f.totp = store_.find_totp(device.id);
    f.login = store_.login_state(device.id);
    f.codes = store_.one_time_codes(device.id);
    if (!session_id.empty()) f.token_session_device = store_.token_session_device(session_id);
    return f;
}

Verdict LoginService::check_auth(const AuthRequest& request, Verdict v, std::int64_t now) {
    if (!v.allow || !v.device) return v;
    const store::Device& device = *v.device;
    if (!needs_credentials(device, index_.login_requirements(device.id))) return v;
    const std::string& instance = request.instance;
    const std::string& address = request.real_address;
    const std::string& session_id = request.session_id;
    const LoginFacts facts = load(device, session_id);
    const LoginAttempt attempt{request.username, request.password.view(), request.session_state};
    LoginOutcome out = evaluate_login(device, facts, attempt, policy_, now);
    if (!apply(device, out, session_id, now)) {
        out = {};
        out.reason = "login failed";
        out.detail = "code: used by a concurrent login";
        store_.transaction([&] { audit(device, out, now); });
    }
    const std::string state(attempt.session_state);
    if (!out.allow) {
        log::info("login refused", {{"instance", instance},
                                    {"device", device.name},
                                    {"address", address},
                                    {"session_state", state},
                                    {"detail", out.detail}});
        return refuse(std::move(v), out.reason);
    }
    log::info("login accepted", {{"instance", instance},
                                 {"device", device.name},
                                 {"address", address},
                                 {"session_state", state},
                                 {"method", out.method}});
    remember({instance, address}, {device.id, request.serial, now}, now);
    return v;
}

Verdict LoginService::check_connect(const ConnectRequest& request, Verdict v, std::int64_t now) {
    if (!v.allow || !v.device) return v;
    const store::Device& device = *v.device;
    const std::string& instance = request.instance;
    const std::string& address = request.real_address;
    bool checked = false;
    if (auto it = checked_.find({instance, address}); it != checked_.end()) {
        checked = it->second.device_id == device.id && it->second.serial == request.serial &&
                  now - it->second.at <= kCheckedSeconds && now >= it->second.at;
        checked_.erase(it);
    }
    if (checked || !needs_credentials(device, index_.login_requirements(device.id))) return v;
    log::info("login refused", {{"instance", instance},
                                {"device", device.name},
                                {"address", address},
                                {"detail", "no credentials checked at auth"}});
    return refuse(std::move(v), "credentials required: username = device name, password = code");
}

void LoginService::forget(const std::string& instance, const std::string& address) {
    checked_.erase({instance, address});
}

bool LoginService::apply(const store::Device& device, const LoginOutcome& out,
                         std::string_view session_id, std::int64_t now) {
    const bool writes = out.totp_step || out.use_code_id || out.failures || out.unlocked ||
                        !out.allow || (out.remember_session && !session_id.empty());
    if (!writes) return true;  // a renegotiation with a valid token
    bool taken = false;
    store_.transaction([&] {
        if (out.totp_step && !store_.advance_totp_step(device.id, *out.totp_step)) taken = true;
        if (!taken && out.use_code_id && !store_.use_one_time_code(*out.use_code_id, now))
            taken = true;
        if (taken) return;
        if (out.failures)
            store_.set_login_failures(device.id, out.failures->failures, out.failures->locked_until,
                                      out.failures->lock_level);
        if (out.remember_session && !session_id.empty())
            store_.add_token_session(session_id, device.id, now, now - policy_.token_lifetime);
        audit(device, out, now);
    });
    return !taken;
}

// Security events (SPEC §8): failures, locks, unlocks and one-time code use; never a code.
// A renegotiation with a valid token writes nothing.
void LoginService::audit(const store::Device& device, const LoginOutcome& out, std::int64_t now) {
    auto entry = [&](const char* action, std::string details) {
        store_.log_activity({0, now, std::string(kActor), action, device.name, std::move(details)});
    };
    if (out.unlocked) {
        entry("login.unlocked", "lock expired");
        log::info("device unlocked", {{"device", device.name}});
    }
    if (out.allow && out.use_code_id) entry("otp.used", "id=" + std::to_string(*out.use_code_id));
    if (out.allow) return;
    if (out.event == LoginEvent::Locked) {
        const std::int64_t until = out.failures ? out.failures->locked_until : now;
        const std::string level = std::to_string(out.failures ? out.failures->lock_level : 0);
        entry("login.failed", out.detail);
        entry("login.locked", "failures=" + std::to_string(policy_.max_failures) +
                                  " seconds=" + std::to_string(until - now) + " level=" + level);
        log::warn(
            "device locked",
            {{"device", device.name}, {"seconds", std::to_string(until - now)}, {"level", level}});
    } else if (out.event == LoginEvent::Failure || !out.detail.empty()) {
        entry("login.failed", out.detail);
    }
}

void LoginService::remember(Key key, Checked checked, std::int64_t now) {
    if (checked_.size() >= kMaxChecked) {
        for (auto it = checked_.begin(); it != checked_.end();)
            it = now - it->second.at > kCheckedSeconds ? checked_.erase(it) : std::next(it);
        if (checked_.size() >= kMaxChecked) checked_.clear();
    }
    checked_[std::move(key)] = std::move(checked);
}

}  // namespace warden::core

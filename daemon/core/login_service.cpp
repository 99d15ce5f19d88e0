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

LoginService::LoginService(store::Store& store, const VerdictIndex& index, LoginPolicy policy,
                           PasswordCache::SlowVerifier slow_verifier)
    : store_(store), index_(index), policy_(policy), passwords_(std::move(slow_verifier)) {}

void LoginService::write_after_reply(std::int64_t started_at, bool shared_store) {
    guard_.emplace(started_at);
    shared_store_ = shared_store;
}

LoginFacts LoginService::load(const store::Device& device, std::string_view session_id,
                              std::int64_t now) {
    // Reads must see this device's (or session's) own writes still pending.
    for (const auto& w : pending_) {
        if (w.device.id == device.id || (!session_id.empty() && w.session_id == session_id)) {
            persist();
            break;
        }
    }
    LoginFacts f;
    f.group_requires_totp = index_.login_requirements(device.id).group_requires_totp;
    f.totp = store_.find_totp(device.id);
    f.login = store_.login_state(device.id);
    f.codes = store_.one_time_codes(device.id);
    if (!session_id.empty()) f.token_session_device = store_.token_session_device(session_id);
    // The replay guard in memory may know a step the store does not have yet.
    if (guard_ && f.totp)
        f.totp->last_step =
            guard_->last_used(device.id, {f.totp->last_step, f.totp->confirmed_at}, now);
    f.verify_password = [this](std::string_view password, std::string_view hash) {
        return passwords_.verify(password, hash);
    };
    return f;
}

Verdict LoginService::check_auth(const AuthRequest& request, Verdict v, std::int64_t now) {
    if (!v.allow || !v.device) return v;
    const store::Device& device = *v.device;
    if (!needs_credentials(device, index_.login_requirements(device.id))) return v;
    const std::string& instance = request.instance;
    const std::string& address = request.real_address;
    const std::string& session_id = request.session_id;
    const LoginFacts facts = load(device, session_id, now);
    const LoginAttempt attempt{request.username, request.password.view(), request.session_state};
    LoginOutcome out = evaluate_login(device, facts, attempt, policy_, now);
    if (out.event != LoginEvent::None) ++counts_.failures;
    if (out.event == LoginEvent::Locked) ++counts_.locks;
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
    PendingWrite w{device, out, std::string(session_id), now};
    const bool durable_first = out.use_code_id || (shared_store_ && out.totp_step);
    if (guard_ && !durable_first) {
        // Marked used at once. load() gave evaluate_login() the guard's view, so the step
        // is above everything known: this cannot refuse, it only records.
        if (out.totp_step && !guard_->use(device.id, *out.totp_step, {}, now)) return false;
        pending_.push_back(std::move(w));
        return true;
    }
    bool taken = false;
    store_.transaction([&] {
        if (out.totp_step && !store_.advance_totp_step(device.id, *out.totp_step)) taken = true;
        if (!taken && out.use_code_id && !store_.use_one_time_code(*out.use_code_id, now))
            taken = true;
        if (taken) return;
        write(w);
    });
    // The guard learns the step too: the next login of this device on this node is
    // refused from memory, whatever the store says by then.
    if (!taken && guard_ && out.totp_step) guard_->use(device.id, *out.totp_step, {}, now);
    return !taken;
}

// Everything but the guarded step and the one-time code, inside a transaction.
void LoginService::write(const PendingWrite& w) {
    const LoginOutcome& out = w.outcome;
    if (out.failures)
        store_.set_login_failures(w.device.id, out.failures->failures, out.failures->locked_until,
                                  out.failures->lock_level);
    if (out.remember_session && !w.session_id.empty())
        store_.add_token_session(w.session_id, w.device.id, w.now, w.now - policy_.token_lifetime);
    audit(w.device, out, w.now);
}

void LoginService::persist() {
    if (pending_.empty()) return;
    std::vector<PendingWrite> batch;
    batch.swap(pending_);
    try {
        store_.transaction_without_fsync([&] {
            for (const auto& w : batch) {
                // The guard accepted the step; the store keeps the highest (an admin's
                // later confirm may have moved it already: then nothing changes).
                if (w.outcome.totp_step)
                    store_.advance_totp_step(w.device.id, *w.outcome.totp_step);
                write(w);
            }
        });
    } catch (const std::exception& e) {
        // The guard still holds the steps; token sessions and counts are lost: a client
        // logs in again (fail closed).
        log::error("login writes failed",
                   {{"logins", std::to_string(batch.size())}, {"error", e.what()}});
    }
    if (guard_ && batch.size() > 0) guard_->prune(batch.back().now);
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

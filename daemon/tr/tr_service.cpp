#include "daemon/tr/tr_service.hpp"

#include "common/log.hpp"
#include "daemon/core/secrets.hpp"
#include "daemon/core/time_text.hpp"
#include "daemon/tr/tr_token.hpp"

namespace warden::tr {

core::TimeRestriction restriction_of(const model::TrSettings& s) {
    core::TimeRestriction r;
    r.mode = s.mode == model::TrMode::Duration ? core::TimeRestriction::Mode::Duration
                                               : core::TimeRestriction::Mode::Window;
    r.start = s.start;
    r.end = s.end;
    r.duration = s.duration;
    return r;
}

TrService::TrService(store::Store& store, const core::Clock& clock, Options options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

TrService::Sent TrService::send(const store::Device& device, const std::string& actor,
                                Trigger trigger) {
    Sent out;
    out.to = device.email;
    const std::int64_t now = clock_.now();
    const auto settings = store_.tr_settings(device.id);
    if (!settings) {
        out.error = "device " + device.name + " is not time-restricted (tr set)";
        return out;
    }
    if (device.email.empty()) {
        out.error = "device " + device.name + " has no e-mail address (device edit --email)";
        return out;
    }
    if (!send_mail_) {
        out.error = "mail is disabled: set [mail] enabled = true in wardend.conf";
        return out;
    }
    if (now >= settings->end) {
        out.error = "the window ended at " + utc_text(settings->end) + "; set a new one (tr set)";
        return out;
    }
    const std::string token = new_token();
    store::TrToken row;
    row.token_hash = token_hash(token);
    row.device_id = device.id;
    row.created_at = now;
    row.expires_at = core::token_expiry(restriction_of(*settings), now);
    const TokenMail mail =
        token_mail(device.name, *settings, token, row.expires_at, options_.link_base, trigger);
    // The token is stored before the mail is queued: a mail never carries a token the
    // store does not know.
    store_.transaction([&] {
        store_.add_tr_token(row);
        store_.set_tr_token_sent(device.id, now);
    });
    out.mail_id = send_mail_("tr-token", device.email, mail.subject, mail.body, out.error);
    if (!out.mail_id) return out;
    out.expires_at = row.expires_at;
    const std::string details = "to=" + device.email + " mail=" + std::to_string(*out.mail_id) +
                                " expires=" + core::iso_utc(row.expires_at) +
                                " trigger=" + (trigger == Trigger::Attempt ? "attempt" : "admin");
    store_.log_activity({0, now, actor, "tr.sent", device.name, details});
    log::info("tr token sent", {{"device", device.name},
                                {"to", device.email},
                                {"mail", std::to_string(*out.mail_id)},
                                {"actor", actor}});
    return out;
}

void TrService::attempt_refused(std::int64_t device_id) {
    try {
        const std::int64_t now = clock_.now();
        const auto settings = store_.tr_settings(device_id);
        if (!settings || core::released(settings->released_until, now)) return;
        if (!core::may_mail_token(settings->last_token_sent_at, now, options_.resend_interval))
            return;
        const auto device = store_.find_device(device_id);
        if (!device) return;
        const Sent sent = send(*device, "wardend", Trigger::Attempt);
        if (!sent.mail_id) log_once(device_id, "tr token not sent", device->name, sent.error);
    } catch (const std::exception& e) {
        log::error("tr token not sent",
                   {{"device_id", std::to_string(device_id)}, {"error", e.what()}});
    }
}

void TrService::log_once(std::int64_t device_id, const std::string& message,
                         const std::string& device, const std::string& error) {
    const std::int64_t now = clock_.now();
    auto it = warned_at_.find(device_id);
    const std::optional<std::int64_t> last =
        it == warned_at_.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    if (!core::may_mail_token(last, now, options_.resend_interval)) return;
    warned_at_[device_id] = now;
    log::warn(message, {{"device", device}, {"error", error}});
}

TrService::Found TrService::find(std::string_view text, std::int64_t now) {
    Found f;
    if (!well_formed(text)) return f;
    const std::string hash = token_hash(text);
    auto token = store_.find_tr_token(hash);
    // Found by its hash; compared again in constant time, as every secret is.
    if (!token || !core::secrets::same_hash(token->token_hash, hash)) return f;
    auto device = store_.find_device(token->device_id);
    auto settings = store_.tr_settings(token->device_id);
    if (!device || !settings) return f;  // gone, or no longer restricted: Unknown
    f.token = std::move(*token);
    f.device = std::move(*device);
    f.settings = *settings;
    if (f.token.used_at)
        f.state = http::TokenState::Used;
    else if (now >= f.token.expires_at)
        f.state = http::TokenState::Expired;
    else
        f.state = http::TokenState::Valid;
    return f;
}

http::TokenView TrService::view_of(const Found& f, std::int64_t now) {
    http::TokenView v;
    v.state = f.state;
    if (f.state != http::TokenState::Valid) return v;  // no device for used/expired/unknown
    v.device = f.device.name;
    v.effect = release_effect(f.settings);
    v.refusal = core::confirm_at(restriction_of(f.settings), now).refusal;
    return v;
}

http::TokenView TrService::lookup(std::string_view token) {
    const std::int64_t now = clock_.now();
    return view_of(find(token, now), now);
}

http::TokenView TrService::confirm(std::string_view token, const std::string& actor) {
    const std::int64_t now = clock_.now();
    const Found f = find(token, now);
    http::TokenView v = view_of(f, now);
    if (f.state != http::TokenState::Valid) return v;
    const auto result = core::confirm_at(restriction_of(f.settings), now);
    if (!result.until) return v;  // outside the window: the token stays usable
    bool used = false;
    store_.transaction([&] {
        used = store_.use_tr_token(f.token.id, now);
        if (!used) return;
        store_.set_tr_release(f.device.id, *result.until);
        store_.log_activity(
            {0, now, actor, "tr.confirmed", f.device.name, "token=" + std::to_string(f.token.id)});
        store_.log_activity(
            {0, now, actor, "tr.released", f.device.name, "until=" + core::iso_utc(*result.until)});
    });
    if (!used) return {http::TokenState::Used, {}, {}, 0, {}};  // a concurrent confirm won
    log::info(
        "tr released",
        {{"device", f.device.name}, {"until", core::iso_utc(*result.until)}, {"actor", actor}});
    changed_();
    v.state = http::TokenState::Released;
    v.until = *result.until;
    v.refusal.clear();
    return v;
}

// The page runs these on the event loop: a store failure answers Unknown (nothing is
// released, fail closed) and is logged, never thrown into the loop.
http::TrPort TrService::port() {
    http::TrPort p;
    p.lookup = [this](std::string_view token) {
        try {
            return lookup(token);
        } catch (const std::exception& e) {
            log::error("tr lookup failed", {{"error", e.what()}});
            return http::TokenView{};
        }
    };
    p.confirm = [this](std::string_view token, const std::string& peer) {
        try {
            return confirm(token, "web:" + peer);
        } catch (const std::exception& e) {
            log::error("tr confirm failed", {{"peer", peer}, {"error", e.what()}});
            return http::TokenView{};
        }
    };
    return p;
}

}  // namespace warden::tr

// tr.set / off / send / confirm / status: time-restricted access (SPEC §4). A TR device
// connects only while released; a release comes from confirming a mailed token (here,
// or on the confirmation page). Setting a restriction starts unreleased, so the
// device's live session ends; the release's end is acted on by app/release_watch.
#include "common/log.hpp"
#include "daemon/control/services.hpp"
#include "daemon/core/time_restriction.hpp"
#include "daemon/core/time_text.hpp"

namespace warden::control {
namespace {

constexpr std::string_view kTimeHelp =
    "not a time: give ISO 8601 in UTC (2026-12-02T08:00, \"2026-12-02 08:00\", or with a "
    "zone) or Unix seconds";
constexpr std::string_view kNoService = "time-restricted access is not available in this daemon";

json::value time_or_null(const std::optional<std::int64_t>& t) {
    return t ? json::value(iso_time(*t)) : json::value(nullptr);
}

json::object status_of(const store::Device& d, const std::optional<store::TrSettings>& t,
                       std::int64_t now) {
    json::object o;
    o["device"] = d.name;
    if (!t) {
        o["mode"] = "off";
        return o;
    }
    o["mode"] = std::string(store::to_string(t->mode));
    o["start"] = iso_time(t->start);
    o["end"] = iso_time(t->end);
    o["duration"] = t->mode == store::TrMode::Duration
                        ? json::value(core::exact_duration(t->duration))
                        : json::value(nullptr);
    o["released"] = core::released(t->released_until, now);
    o["released_until"] = time_or_null(t->released_until);
    o["last_token_sent"] = time_or_null(t->last_token_sent_at);
    o["email"] = d.email;
    return o;
}

std::optional<Reply> parse_settings(const Args& args, std::int64_t now, store::TrSettings& t) {
    const auto start = core::parse_utc_instant(args.str("start"));
    if (!start) return Reply::error(Code::Invalid, "start: " + std::string(kTimeHelp));
    const auto end = core::parse_utc_instant(args.str("end"));
    if (!end) return Reply::error(Code::Invalid, "end: " + std::string(kTimeHelp));
    t.start = *start;
    t.end = *end;
    t.mode = store::TrMode::Window;
    if (auto text = args.opt_str("duration")) {
        const auto seconds = core::parse_duration(*text);
        if (!seconds)
            return Reply::error(Code::Invalid, "duration: expected a duration such as 30m, 2h, 1d");
        t.mode = store::TrMode::Duration;
        t.duration = *seconds;
    }
    if (auto problem = core::invalid_restriction(tr::restriction_of(t)))
        return Reply::error(Code::Invalid, "window: " + *problem);
    if (t.end <= now) return Reply::error(Code::Invalid, "end: " + iso_time(t.end) + " has passed");
    return std::nullopt;
}

Reply set_tr(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("device");
    auto d = s.store.find_device(name);
    if (!d) return Reply::error(Code::NotFound, "device: device not found: " + name);
    const std::int64_t now = s.now();
    store::TrSettings t;
    t.device_id = d->id;
    if (auto refused = parse_settings(args, now, t)) return *refused;
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.put_tr_settings(t);
        if (out.ok())
            s.store.log_activity({0, now, caller.user, "tr.set", d->name,
                                  "mode=" + std::string(store::to_string(t.mode)) +
                                      " start=" + iso_time(t.start) + " end=" + iso_time(t.end) +
                                      " duration=" + std::to_string(t.duration)});
    });
    if (!out.ok()) return from_outcome(out);
    log::info("admin action", {{"user", caller.user}, {"action", "tr.set"}, {"object", d->name}});
    // A new setting starts unreleased: a session connected before it may not go on.
    const std::size_t ended = s.sessions.end_sessions_of_device(d->id, core::kNotReleased);
    s.tr_changed();
    json::object o = status_of(*d, s.store.tr_settings(d->id), now);
    o["sessions_ended"] = static_cast<std::int64_t>(ended);
    return Reply::ok(o);
}

Reply off_tr(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("device");
    auto d = s.store.find_device(name);
    if (!d) return Reply::error(Code::NotFound, "device: device not found: " + name);
    bool lifted = false;
    s.store.transaction([&] {
        lifted = s.store.delete_tr_settings(d->id);
        if (lifted) s.store.log_activity({0, s.now(), caller.user, "tr.off", d->name, ""});
    });
    if (!lifted)
        return Reply::error(Code::Invalid, "device: " + d->name + " is not time-restricted");
    log::info("admin action", {{"user", caller.user}, {"action", "tr.off"}, {"object", d->name}});
    s.tr_changed();
    return Reply::ok(json::object{{"device", d->name}, {"mode", "off"}});
}

Reply send_tr(const Args& args, const Caller& caller, Services& s) {
    if (!s.tr) return Reply::error(Code::Internal, std::string(kNoService));
    const std::string name = args.str("device");
    auto d = s.store.find_device(name);
    if (!d) return Reply::error(Code::NotFound, "device: device not found: " + name);
    const auto sent = s.tr->send(*d, caller.user, tr::Trigger::Admin);
    if (!sent.mail_id) return Reply::error(Code::Invalid, sent.error);
    return Reply::ok(json::object{{"device", d->name},
                                  {"to", sent.to},
                                  {"mail", *sent.mail_id},
                                  {"expires", iso_time(sent.expires_at)}});
}

Reply confirm_tr(const Args& args, const Caller& caller, Services& s) {
    if (!s.tr) return Reply::error(Code::Internal, std::string(kNoService));
    const auto v = s.tr->confirm(args.str("token"), caller.user);
    switch (v.state) {
        case http::TokenState::Released:
            return Reply::ok(
                json::object{{"device", v.device}, {"released_until", iso_time(v.until)}});
        case http::TokenState::Valid:
            return Reply::error(Code::Invalid, "token: " + v.refusal);
        case http::TokenState::Used:
            return Reply::error(Code::Invalid, "token: already used");
        case http::TokenState::Expired:
            return Reply::error(Code::Invalid, "token: expired");
        case http::TokenState::Unknown:
            break;
    }
    return Reply::error(Code::NotFound, "token: unknown");
}

Reply status_tr(const Args& args, Services& s) {
    const std::int64_t now = s.now();
    json::array out;
    if (auto name = args.opt_str("device")) {
        auto d = s.store.find_device(*name);
        if (!d) return Reply::error(Code::NotFound, "device: device not found: " + *name);
        out.push_back(status_of(*d, s.store.tr_settings(d->id), now));
        return Reply::ok(out);
    }
    for (const auto& t : s.store.all_tr_settings())
        if (auto d = s.store.find_device(t.device_id)) out.push_back(status_of(*d, t, now));
    return Reply::ok(out);
}

}  // namespace

void register_tr_commands(Registry& r, Services& s) {
    r.add({"tr.set",
           Access::Write,
           "make a device time-restricted: window (start, end) or, with duration, an "
           "activation window; times in UTC (ISO 8601) or Unix seconds",
           {{"device", ArgType::String, true},
            {"start", ArgType::String, true},
            {"end", ArgType::String, true},
            {"duration", ArgType::String}},
           [&s](const Args& a, const Caller& c) { return set_tr(a, c, s); }});
    r.add({"tr.off",
           Access::Write,
           "lift a device's time restriction",
           {{"device", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return off_tr(a, c, s); }});
    r.add({"tr.send",
           Access::Write,
           "mail a time-restricted device's address a new token now",
           {{"device", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return send_tr(a, c, s); }});
    r.add({"tr.confirm",
           Access::Write,
           "confirm a mailed token: releases its device",
           {{"token", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return confirm_tr(a, c, s); }});
    r.add({"tr.status",
           Access::Read,
           "time-restricted devices: mode, window, duration, released until, last token sent",
           {{"device", ArgType::String}},
           [&s](const Args& a, const Caller&) { return status_tr(a, s); }});
}

}  // namespace warden::control

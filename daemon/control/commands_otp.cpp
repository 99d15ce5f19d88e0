// otp.issue / list / revoke: one-time access codes (SPEC §3). A code is shown once, at
// issue; the store keeps only its SHA-256. It replaces the TOTP code / password for one
// login (onboarding a new laptop, a user who lost the phone) until used or expired.
#include "daemon/control/two_factor.hpp"
#include "daemon/core/duration.hpp"
#include "daemon/core/secrets.hpp"

namespace warden::control {
namespace {

constexpr std::int64_t kMaxTtl = 30 * 86400;

Reply issue(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    std::int64_t ttl = s.config.auth.otp_ttl;
    if (auto text = args.opt_str("ttl")) {
        auto parsed = core::parse_duration(*text);
        if (!parsed || *parsed > kMaxTtl)
            return Reply::error(Code::Invalid,
                                "ttl: expected a duration up to 30d such as 30m, 2h, 1d");
        ttl = *parsed;
    }
    auto d = s.store.find_device(name);
    if (!d) return Reply::error(Code::NotFound, "name: no device named " + name);
    const std::string code = core::secrets::new_access_code();
    store::OneTimeCode c;
    c.device_id = d->id;
    c.code_hash = core::secrets::access_code_hash(code);
    c.created_at = s.now();
    c.expires_at = c.created_at + ttl;
    s.store.transaction([&] {
        s.store.add_one_time_code(c);
        s.audit(caller, "otp.issue", d->name,
                "id=" + std::to_string(c.id) + " ttl=" + core::exact_duration(ttl));
    });
    json::object o;
    o["id"] = c.id;
    o["name"] = d->name;
    o["code"] = code;  // the only time it is shown
    o["expires"] = iso_time(c.expires_at);
    return Reply::ok(o);
}

Reply list(const Args& args, Services& s) {
    std::optional<std::int64_t> device_id;
    if (auto name = args.opt_str("name")) {
        auto d = s.store.find_device(*name);
        if (!d) return Reply::error(Code::NotFound, "name: no device named " + *name);
        device_id = d->id;
    }
    const std::int64_t now = s.now();
    json::array out;
    for (const auto& c : s.store.one_time_codes(device_id)) {
        if (c.used_at || c.expires_at <= now) continue;
        json::object o;
        o["id"] = c.id;
        o["device"] = c.device_name;
        o["issued"] = iso_time(c.created_at);
        o["expires"] = iso_time(c.expires_at);
        o["remaining_seconds"] = c.expires_at - now;
        o["remaining"] = core::format_duration(c.expires_at - now);
        out.push_back(std::move(o));
    }
    return Reply::ok(out);
}

Reply revoke(const Args& args, const Caller& caller, Services& s) {
    const std::int64_t id = args.integer("id");
    if (id <= 0) return Reply::error(Code::Invalid, "id: expected a positive number");
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.delete_one_time_code(id);
        if (out.ok()) s.audit(caller, "otp.revoke", "", "id=" + std::to_string(id));
    });
    return from_outcome(out);
}

}  // namespace

void register_otp_commands(Registry& r, Services& s) {
    r.add({"otp.issue",
           Access::Write,
           "issue a one-time access code for a device (shown once; ttl default from config)",
           {{"name", ArgType::String, true}, {"ttl", ArgType::String}},
           [&s](const Args& a, const Caller& c) { return issue(a, c, s); }});
    r.add({"otp.list",
           Access::Read,
           "one-time codes not yet used or expired, with their remaining validity",
           {{"name", ArgType::String}},
           [&s](const Args& a, const Caller&) { return list(a, s); }});
    r.add({"otp.revoke",
           Access::Write,
           "revoke a one-time code by id",
           {{"id", ArgType::Integer, true}},
           [&s](const Args& a, const Caller& c) { return revoke(a, c, s); }});
}

}  // namespace warden::control

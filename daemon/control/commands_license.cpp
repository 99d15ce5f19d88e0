// license.add / list / assign / unassign (SPEC §6). Every device needs a valid seat to
// connect; the license `default` (sized by `wardend init --seats N`) gives new devices
// one while seats remain. Taking a seat away ends the device's live session; the daemon's
// license timer (app/license_watch) ends sessions when a license expires.
#include "common/log.hpp"
#include "daemon/control/device_extras.hpp"
#include "daemon/core/device_rules.hpp"
#include "daemon/core/licensing.hpp"
#include "daemon/core/time_text.hpp"

namespace warden::control {
namespace {

constexpr std::int64_t kMaxSeats = 10'000'000;

json::object license_to_json(const store::License& l, std::int64_t now) {
    json::object o;
    o["name"] = l.name;
    o["seats"] = l.seats;
    o["used"] = l.used;
    o["free"] = std::max<std::int64_t>(0, l.seats - l.used);
    o["expires"] = l.expires_at ? json::value(iso_time(*l.expires_at)) : json::value(nullptr);
    o["state"] = core::seat_valid(l, now) ? "valid" : "expired";
    return o;
}

Reply add_license(const Args& args, const Caller& caller, Services& s) {
    store::License l;
    l.name = args.str("name");
    if (auto problem = core::check_device_name(l.name))
        return Reply::error(Code::Invalid, *problem);
    l.seats = args.integer("seats");
    if (l.seats < 1 || l.seats > kMaxSeats)
        return Reply::error(Code::Invalid, "seats: must be 1.." + std::to_string(kMaxSeats));
    const std::int64_t now = s.now();
    if (auto text = args.opt_str("expires")) {
        l.expires_at = core::parse_iso_time(*text, core::system_local_time);
        if (!l.expires_at)
            return Reply::error(Code::Invalid,
                                "expires: not an ISO 8601 time such as 2026-11-22T14:00 (local "
                                "time) or 2026-11-22T14:00Z");
        if (*l.expires_at <= now)
            return Reply::error(Code::Invalid,
                                "expires: " + iso_time(*l.expires_at) + " has passed");
    }
    l.created_at = now;
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.add_license(l);
        if (out.ok())
            s.store.log_activity({0, now, caller.user, "license.add", l.name,
                                  "seats=" + std::to_string(l.seats) + " expires=" +
                                      (l.expires_at ? iso_time(*l.expires_at) : "never")});
    });
    if (!out.ok()) return from_outcome(out);
    log::info("admin action",
              {{"user", caller.user}, {"action", "license.add"}, {"object", l.name}});
    s.licenses_changed();
    return Reply::ok(license_to_json(l, now));
}

Reply list_licenses(Services& s) {
    json::array out;
    const std::int64_t now = s.now();
    for (const auto& l : s.store.list_licenses()) out.push_back(license_to_json(l, now));
    return Reply::ok(out);
}

Reply assign_license(const Args& args, const Caller& caller, Services& s) {
    const std::string device_name = args.str("device"), license = args.str("license");
    auto d = s.store.find_device(device_name);
    if (!d) return Reply::error(Code::NotFound, "device: device not found: " + device_name);
    const auto current = s.store.seat_of(d->id);
    if (current.license && current.license->name == license)
        return Reply::ok(json::object{{"device", d->name}, {"license", license}});
    if (auto problem = check_license_choice(s, license)) {
        const auto code = s.store.find_license(license) ? Code::Invalid : Code::NotFound;
        return Reply::error(code, *problem);
    }
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.assign_license(d->id, license, s.now());
        if (out.ok())
            s.store.log_activity(
                {0, s.now(), caller.user, "license.assign", d->name, "license=" + license});
    });
    if (!out.ok()) return from_outcome(out);
    log::info("admin action", {{"user", caller.user},
                               {"action", "license.assign"},
                               {"object", d->name},
                               {"details", "license=" + license}});
    s.licenses_changed();
    return Reply::ok(json::object{{"device", d->name}, {"license", license}});
}

Reply unassign_license(const Args& args, const Caller& caller, Services& s) {
    const std::string device_name = args.str("device");
    auto d = s.store.find_device(device_name);
    if (!d) return Reply::error(Code::NotFound, "device: device not found: " + device_name);
    const auto current = s.store.seat_of(d->id);
    if (!current.license)
        return Reply::error(Code::Invalid, "device: " + d->name + " holds no seat");
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.unassign_license(d->id, s.now());
        if (out.ok())
            s.store.log_activity({0, s.now(), caller.user, "license.unassign", d->name,
                                  "license=" + current.license->name});
    });
    if (!out.ok()) return from_outcome(out);
    log::info("admin action",
              {{"user", caller.user}, {"action", "license.unassign"}, {"object", d->name}});
    // Without a seat the device is refused; its live session ends like a deactivated one's.
    const std::size_t ended = s.sessions.end_sessions_of_device(d->id, "no license");
    s.licenses_changed();
    return Reply::ok(json::object{{"device", d->name}, {"sessions_ended", ended}});
}

}  // namespace

void register_license_commands(Registry& r, Services& s) {
    r.add({"license.add",
           Access::Write,
           "add a license: seats, optional expiry (ISO 8601, local time unless a zone is given)",
           {{"name", ArgType::String, true},
            {"seats", ArgType::Integer, true},
            {"expires", ArgType::String}},
           [&s](const Args& a, const Caller& c) { return add_license(a, c, s); }});
    r.add({"license.list",
           Access::Read,
           "licenses with seats used and free, expiry",
           {},
           [&s](const Args&, const Caller&) { return list_licenses(s); }});
    r.add({"license.assign",
           Access::Write,
           "give a device a seat of a license (moving it from its current one)",
           {{"device", ArgType::String, true}, {"license", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return assign_license(a, c, s); }});
    r.add({"license.unassign",
           Access::Write,
           "take a device's seat away: it is refused (no-license) and its session ends",
           {{"device", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return unassign_license(a, c, s); }});
}

}  // namespace warden::control

// cert.list / new / revoke
#include "common/text.hpp"
#include "daemon/control/device_commands.hpp"
#include "daemon/control/token_logins.hpp"

namespace warden::control {
namespace {

std::string cert_state(const store::Certificate& c, std::int64_t now) {
    if (c.revoked_at) return "revoked";
    if (c.not_after < now) return "expired";
    return "valid";
}

Reply list_certs(const Args& args, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return no_device("name", args.str("name"));
    const std::int64_t now = s.now();
    json::array out;
    for (const auto& c : s.store.certificates_of(d->id)) {
        json::object o;
        o["serial"] = c.serial;
        o["state"] = cert_state(c, now);
        o["fingerprint"] = c.fingerprint;
        o["issued"] = iso_time(c.not_before);
        o["expires"] = iso_time(c.not_after);
        o["expiring_soon"] = !c.revoked_at && expiring_soon(c.not_after, now, s.config);
        o["revoked"] = c.revoked_at ? json::value(iso_time(*c.revoked_at)) : json::value(nullptr);
        out.push_back(o);
    }
    return Reply::ok(out);
}

Reply new_cert(const Args& args, const Caller& caller, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return no_device("name", args.str("name"));
    store::Certificate cert = issue_certificate(s, d->name, s.now());
    cert.device_id = d->id;
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.add_certificate(cert);
        if (out.ok())
            s.store.log_activity(
                {0, s.now(), caller.user, "cert.new", d->name, "serial=" + cert.serial});
    });
    if (!out.ok()) return from_outcome(out);
    json::object o;
    o["serial"] = cert.serial;
    o["expires"] = iso_time(cert.not_after);
    return Reply::ok(o);
}

Reply revoke_cert(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    const std::string serial = text::normalize_serial(args.str("serial"));
    if (serial.empty())
        return Reply::error(Code::Invalid, "serial: not a hexadecimal serial number");
    auto d = s.store.find_device(name);
    if (!d) return no_device("name", name);
    auto binding = s.store.find_by_serial(serial);
    if (!binding || binding->cert.device_id != d->id)
        return Reply::error(Code::NotFound,
                            "serial: device " + name + " has no certificate " + serial);
    const std::int64_t now = s.now();
    // No token login survives a revocation.
    const store::Outcome out = commit_ending_token_logins(s, d->id, [&] {
        store::Outcome revoked = s.store.revoke_certificate(serial, now);
        if (revoked.ok())
            s.store.log_activity({0, now, caller.user, "cert.revoke", name, "serial=" + serial});
        return revoked;
    });
    if (!out.ok()) return from_outcome(out);
    // Kill first: the CRL only guards new handshakes, the live session must end now.
    const std::size_t ended = s.sessions.end_sessions_of_serial(serial, "certificate revoked");
    s.authority.write_crl(s.store.revoked_serials(), now);
    json::object o;
    o["serial"] = serial;
    o["sessions_ended"] = ended;
    return Reply::ok(o);
}

}  // namespace

void register_cert_commands(Registry& r, Services& s) {
    r.add({"cert.list",
           Access::Read,
           "a device's certificates with state and expiry (expiring_soon: within [pki] "
           "expiry_warning_days)",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller&) { return list_certs(a, s); }});
    r.add({"cert.new",
           Access::Write,
           "issue another certificate for a device (the newest valid one is exported)",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return new_cert(a, c, s); }});
    r.add({"cert.revoke",
           Access::Write,
           "revoke one certificate and end its live session",
           {{"name", ArgType::String, true}, {"serial", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return revoke_cert(a, c, s); }});
}

}  // namespace warden::control

// pending.list / accept / reject, rejected.list / clear, device.reset-auth: the admin's
// decisions on certificates of enrollment CAs (SPEC §5), and record_sighting, which
// puts a refused certificate on the pending list in the first place.
#include "common/log.hpp"
#include "daemon/control/device_commands.hpp"
#include "daemon/control/enrollment.hpp"
#include "daemon/control/notices.hpp"

namespace warden::control {
namespace {

constexpr std::string_view kFingerprintHelp =
    "fingerprint: expected a SHA-256 fingerprint (64 hex digits, colons optional)";

json::value time_or_null(const std::optional<std::int64_t>& t) {
    return t ? json::value(iso_time(*t)) : json::value(nullptr);
}

json::object pending_to_json(const store::PendingCert& p) {
    json::object o = sighting_to_json(p.cert);
    o["state"] = std::string(store::to_string(p.state));
    o["first_seen"] = iso_time(p.first_seen);
    o["last_seen"] = iso_time(p.last_seen);
    o["attempts"] = p.attempts;
    return o;
}

json::object rejected_to_json(const store::RejectedCert& r) {
    json::object o = sighting_to_json(r.cert);
    o["rejected_at"] = iso_time(r.rejected_at);
    o["rejected_by"] = r.rejected_by;
    o["attempts"] = r.attempts;
    o["last_seen"] = time_or_null(r.last_seen);
    return o;
}

Reply list_pending(Services& s) {
    json::array out;
    for (const auto& p : s.store.pending_certs()) out.push_back(pending_to_json(p));
    return Reply::ok(out);
}

// The accepted certificate as a certificates row: no PEM (warden never held it).
store::Certificate bound_certificate(const store::PendingCert& p, std::int64_t now) {
    store::Certificate c;
    c.serial = p.cert.serial;
    c.common_name = p.cert.common_name;
    c.fingerprint = p.cert.fingerprint;
    c.not_before = 0;  // OpenVPN checks the validity at TLS; not known here
    c.not_after = p.cert.not_after.value_or(std::numeric_limits<std::int64_t>::max());
    c.created_at = now;
    c.enroll_ca = p.cert.enroll_ca;
    return c;
}

// Why `p` cannot be accepted now, if it cannot.
std::optional<Reply> accept_refusal(const store::PendingCert& p, Services& s) {
    if (p.state == store::PendingState::UpdateRequired)
        return Reply::error(Code::Invalid, "fingerprint: the client must be updated first (" +
                                               std::string(core::kUpdateRequired) + ")");
    bool listed = false;
    for (const auto& ca : s.store.enroll_cas()) listed = listed || ca.name == p.cert.enroll_ca;
    if (!listed)
        return Reply::error(Code::Invalid,
                            "fingerprint: its CA " + p.cert.enroll_ca + " is no longer listed");
    if (p.cert.serial.empty() || s.store.find_by_serial(p.cert.serial))
        return Reply::error(Code::Invalid, "fingerprint: another certificate has serial " +
                                               p.cert.serial + " already");
    return std::nullopt;
}

Reply bind_to_existing(const store::PendingCert& p, const std::string& name, const Caller& caller,
                       Services& s) {
    auto d = s.store.find_device(name);
    if (!d) return no_device("device", name);
    store::Certificate cert = bound_certificate(p, s.now());
    cert.device_id = d->id;
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.add_certificate(cert);
        if (!out.ok()) return;
        s.store.delete_pending(p.cert.fingerprint);
        s.audit(caller, "pending.accept", d->name, "fingerprint=" + p.cert.fingerprint);
    });
    if (!out.ok()) return from_outcome(out);
    json::object o = device_to_json(*d);
    o["certificate"] = cert.serial;
    o["fingerprint"] = cert.fingerprint;
    return Reply::ok(o);
}

Reply accept_pending(const Args& args, const Caller& caller, Services& s) {
    const std::string fingerprint = fingerprint_arg(args);
    if (fingerprint.empty()) return Reply::error(Code::Invalid, std::string(kFingerprintHelp));
    const auto p = s.store.find_pending(fingerprint);
    if (!p) return Reply::error(Code::NotFound, "fingerprint: not pending: " + fingerprint);
    if (auto refused = accept_refusal(*p, s)) return *refused;
    if (auto existing = args.opt_str("device")) {
        if (args.has("name")) return Reply::error(Code::Invalid, "name: not with device");
        return bind_to_existing(*p, *existing, caller, s);
    }
    if (!args.has("name"))
        return Reply::error(Code::Invalid, "name: required (or device: an existing device)");
    core::DeviceDraft draft;
    core::DeviceFields fields = device_fields(args);
    fields.name = args.str("name");
    fields.type = args.str("type", "pc");
    if (auto problem = apply_fields(fields, s, draft)) return Reply::error(Code::Invalid, *problem);
    draft.license = args.str("license");
    GivenCertificate given{bound_certificate(*p, s.now()), [&s, &p](const store::Device&) {
                               s.store.delete_pending(p->cert.fingerprint);
                               return store::Outcome::success();
                           }};
    Reply reply = create_device(std::move(draft), caller, s, "pending.accept",
                                "fingerprint=" + fingerprint, std::move(given));
    if (auto* o = reply.result.if_object()) (*o)["fingerprint"] = fingerprint;
    return reply;
}

Reply reject_pending(const Args& args, const Caller& caller, Services& s) {
    const std::string fingerprint = fingerprint_arg(args);
    if (fingerprint.empty()) return Reply::error(Code::Invalid, std::string(kFingerprintHelp));
    const auto p = s.store.find_pending(fingerprint);
    if (!p) return Reply::error(Code::NotFound, "fingerprint: not pending: " + fingerprint);
    store::RejectedCert r;
    r.cert = p->cert;
    r.rejected_at = s.now();
    r.rejected_by = caller.user;
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.reject_cert(r);
        if (out.ok()) s.audit(caller, "pending.reject", fingerprint, "subject=" + p->cert.subject);
    });
    if (!out.ok()) return from_outcome(out);
    return Reply::ok(rejected_to_json(r));
}

Reply list_rejected(Services& s) {
    json::array out;
    for (const auto& r : s.store.rejected_certs()) out.push_back(rejected_to_json(r));
    return Reply::ok(out);
}

Reply clear_rejected(const Args& args, const Caller& caller, Services& s) {
    const bool all = args.flag("all");
    if (all == args.has("fingerprint"))
        return Reply::error(Code::Invalid, "fingerprint: give one, or all");
    std::optional<std::string> fingerprint;
    if (!all) {
        fingerprint = fingerprint_arg(args);
        if (fingerprint->empty()) return Reply::error(Code::Invalid, std::string(kFingerprintHelp));
    }
    std::size_t cleared = 0;
    s.store.transaction([&] {
        cleared = s.store.clear_rejected(fingerprint);
        if (cleared > 0)
            s.audit(caller, "rejected.clear", fingerprint.value_or("all"),
                    "count=" + std::to_string(cleared));
    });
    if (!all && cleared == 0)
        return Reply::error(Code::NotFound, "fingerprint: not rejected: " + *fingerprint);
    return Reply::ok(json::object{{"cleared", static_cast<std::int64_t>(cleared)}});
}

// Its next connection is pending again; a live session ends now (what it was admitted
// on is gone).
Reply reset_auth(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    auto d = s.store.find_device(name);
    if (!d) return no_device("name", name);
    std::vector<std::string> serials;
    for (const auto& c : s.store.certificates_of(d->id))
        if (!c.enroll_ca.empty() && !c.revoked_at) serials.push_back(c.serial);
    if (serials.empty())
        return Reply::error(Code::Invalid, "name: " + name + " has no enrolled certificate");
    s.store.transaction([&] {
        s.store.unbind_enrolled(d->id);
        s.audit(caller, "device.reset-auth", name,
                "certificates=" + std::to_string(serials.size()));
    });
    std::size_t ended = 0;
    for (const auto& serial : serials)
        ended += s.sessions.end_sessions_of_serial(serial, "authorization reset");
    return Reply::ok(json::object{{"device", name},
                                  {"unbound", static_cast<std::int64_t>(serials.size())},
                                  {"sessions_ended", static_cast<std::int64_t>(ended)}});
}

}  // namespace

json::object sighting_to_json(const store::CertSighting& c) {
    json::object o;
    o["fingerprint"] = c.fingerprint;
    o["serial"] = c.serial;
    o["common_name"] = c.common_name;
    o["subject"] = c.subject;
    o["issuer"] = c.issuer;
    o["ca"] = c.enroll_ca;
    o["not_after"] = time_or_null(c.not_after);
    o["address"] = c.address;
    o["client_version"] = c.peer_version;
    o["platform"] = c.peer_platform;
    return o;
}

void record_sighting(Services& s, core::Sighting what, const store::CertSighting& cert) {
    const std::int64_t now = s.now();
    if (what == core::Sighting::Rejected) {
        // A counter only: retries of a rejected device must not fill the logs.
        s.store.transaction_without_fsync(
            [&] { s.store.note_rejected_attempt(cert.fingerprint, now); });
        return;
    }
    const auto state = what == core::Sighting::UpdateRequired ? store::PendingState::UpdateRequired
                                                              : store::PendingState::Pending;
    bool added = false;
    s.store.transaction([&] {
        added = s.store.note_pending(cert, state, now, s.config.enroll.max_pending);
        if (!added) return;
        s.store.log_activity({0, now, "wardend", "enroll.pending", cert.fingerprint,
                              "subject=" + cert.subject + " address=" + cert.address +
                                  " state=" + std::string(store::to_string(state))});
        const std::string& to = s.config.mail.operator_address;
        if (!s.mail || to.empty()) return;
        const Notice n = pending_notice(cert, now);
        std::string error;
        if (!s.mail->enqueue("operator", to, n.subject, n.body, error))
            log::warn("operator notice not queued",
                      {{"fingerprint", cert.fingerprint}, {"error", error}});
    });
    if (!added) return;
    wake_mail(s);
    log::info("enrollment pending", {{"fingerprint", cert.fingerprint},
                                     {"subject", cert.subject},
                                     {"ca", cert.enroll_ca},
                                     {"address", cert.address},
                                     {"state", std::string(store::to_string(state))}});
}

void register_pending_commands(Registry& r, Services& s) {
    std::vector<ArgSpec> accept_args{{"fingerprint", ArgType::String, true},
                                     {"name", ArgType::String},
                                     {"type", ArgType::String},
                                     {"license", ArgType::String},
                                     {"device", ArgType::String}};
    for (auto& spec : device_field_args()) accept_args.push_back(std::move(spec));
    r.add({"pending.list",
           Access::Read,
           "certificates of enrollment CAs waiting for a decision (or a client update)",
           {},
           [&s](const Args&, const Caller&) { return list_pending(s); }});
    r.add({"pending.accept", Access::Write,
           "accept a pending certificate: a new device (name, type, group ...) or, with "
           "device, bound to an existing one; it connects on its next retry",
           std::move(accept_args),
           [&s](const Args& a, const Caller& c) { return accept_pending(a, c, s); }});
    r.add({"pending.reject",
           Access::Write,
           "reject a pending certificate: refused silently from now on",
           {{"fingerprint", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return reject_pending(a, c, s); }});
    r.add({"rejected.list",
           Access::Read,
           "rejected certificates, with the attempts since",
           {},
           [&s](const Args&, const Caller&) { return list_rejected(s); }});
    r.add({"rejected.clear",
           Access::Write,
           "forget a rejection (or all): the certificate is pending again on its next attempt",
           {{"fingerprint", ArgType::String}, {"all", ArgType::Bool}},
           [&s](const Args& a, const Caller& c) { return clear_rejected(a, c, s); }});
    r.add({"device.reset-auth",
           Access::Write,
           "unbind a device's enrolled certificate: its next connection is pending again",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return reset_auth(a, c, s); }});
}

}  // namespace warden::control

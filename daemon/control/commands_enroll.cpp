// enroll.ca.add / list / delete: the CAs whose certificates may enroll (SPEC §5).
// OpenVPN trusts what pki/ca-bundle.pem lists (server.conf `ca`): warden's own CA and
// these. OpenVPN reads that file when it starts, so a CA added or deleted takes effect
// in OpenVPN at its next restart (`vpn restart`); wardend stops admitting the devices of
// a deleted CA at once.
#include <algorithm>

#include "common/log.hpp"
#include "common/text.hpp"
#include "daemon/control/enrollment.hpp"
#include "daemon/pki/pki.hpp"

namespace warden::control {
namespace {

constexpr std::string_view kRestartNote =
    "OpenVPN reads its CAs when it starts: run `wardenctl vpn restart` (clients reconnect "
    "within seconds) for the change to reach it";

bool valid_ca_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

json::object ca_to_json(const store::EnrollCa& ca) {
    json::object o;
    o["name"] = ca.name;
    o["subject"] = ca.subject;
    o["fingerprint"] = ca.fingerprint;
    o["not_after"] = iso_time(ca.not_after);
    o["added"] = iso_time(ca.added_at);
    return o;
}

Reply add_ca(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    if (!valid_ca_name(name))
        return Reply::error(Code::Invalid, "name: expected 1-64 letters, digits, '-', '_' or '.'");
    const auto inspected = pki::inspect_ca(args.str("pem"));
    if (const auto* why = std::get_if<std::string>(&inspected))
        return Reply::error(Code::Invalid, "file: " + *why);
    const auto& info = std::get<pki::CertInfo>(inspected);
    const std::int64_t now = s.now();
    if (info.not_after < now)
        return Reply::error(Code::Invalid,
                            "file: the CA certificate expired " + iso_time(info.not_after));
    store::EnrollCa ca;
    ca.name = name;
    ca.subject = info.subject;
    ca.fingerprint = text::normalize_fingerprint(info.fingerprint_sha256);
    ca.not_after = info.not_after;
    ca.cert_pem = args.str("pem");
    ca.added_at = now;
    if (ca.fingerprint == text::normalize_fingerprint(s.authority.ca_cert()->fingerprint_sha256))
        return Reply::error(Code::Invalid, "file: that is warden's own CA");
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.add_enroll_ca(ca);
        if (out.ok()) s.audit(caller, "enroll.ca.add", name, "fingerprint=" + ca.fingerprint);
    });
    if (!out.ok()) return from_outcome(out);
    write_ca_bundle(s);
    json::object o = ca_to_json(ca);
    o["note"] = std::string(kRestartNote);
    return Reply::ok(o);
}

Reply list_cas(Services& s) {
    json::array out;
    for (const auto& ca : s.store.enroll_cas()) out.push_back(ca_to_json(ca));
    return Reply::ok(out);
}

// Devices bound to the CA's certificates are refused from now on ("enrollment CA not
// listed"); their live sessions end now.
Reply delete_ca(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    std::vector<std::string> serials;
    for (const auto& c : s.store.certificate_summaries())
        if (c.enroll_ca == name && !c.revoked_at) serials.push_back(c.serial);
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.delete_enroll_ca(name);
        if (out.ok()) s.audit(caller, "enroll.ca.delete", name);
    });
    if (!out.ok()) return from_outcome(out);
    write_ca_bundle(s);
    std::size_t ended = 0;
    for (const auto& serial : serials)
        ended += s.sessions.end_sessions_of_serial(serial, std::string(core::kCaNotListed));
    json::object o;
    o["name"] = name;
    o["sessions_ended"] = static_cast<std::int64_t>(ended);
    o["note"] = std::string(kRestartNote);
    return Reply::ok(o);
}

}  // namespace

void write_ca_bundle(Services& s) {
    std::vector<std::string> pems;
    for (const auto& ca : s.store.enroll_cas()) pems.push_back(ca.cert_pem);
    s.authority.write_ca_bundle(pems);
}

std::string fingerprint_arg(const Args& args, std::string_view key) {
    return text::normalize_fingerprint(args.str(key));
}

void register_enroll_commands(Registry& r, Services& s) {
    r.add({"enroll.ca.add",
           Access::Write,
           "trust a CA for enrollment: OpenVPN accepts its certificates (after a restart), "
           "warden lists each new one as pending",
           {{"name", ArgType::String, true}, {"pem", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return add_ca(a, c, s); }});
    r.add({"enroll.ca.list",
           Access::Read,
           "the CAs trusted for enrollment",
           {},
           [&s](const Args&, const Caller&) { return list_cas(s); }});
    r.add({"enroll.ca.delete",
           Access::Write,
           "stop trusting an enrollment CA: its pending certificates go, its devices are "
           "refused and their sessions end",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return delete_ca(a, c, s); }});
}

}  // namespace warden::control

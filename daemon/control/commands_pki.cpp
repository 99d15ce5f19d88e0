// pki.renew-server, and the PKI part of `status`: the CRL keeper's view of crl.pem, the
// server and CA certificates' expiry. A server certificate or CA that expires stops every
// client, so both are flagged [pki] expiry_warning_days ahead.
#include "common/log.hpp"
#include "daemon/control/services.hpp"

namespace warden::control {
namespace {

constexpr const char* kRestartNote =
    "OpenVPN uses the new certificate after its next restart: wardenctl vpn restart";

json::value time_or_null(const std::optional<std::int64_t>& t) {
    return t ? json::value(iso_time(*t)) : json::value(nullptr);
}

std::optional<std::int64_t> not_after(const std::optional<pki::CertInfo>& cert) {
    return cert ? std::optional(cert->not_after) : std::nullopt;
}

// Expired counts too (unlike a device list's expiring_soon): it is the worst case here.
bool within_warning(std::int64_t not_after, std::int64_t now, const core::Config& config) {
    return not_after - now < std::int64_t{config.expiry_warning_days} * 86400;
}

Reply renew_server(const Caller& caller, Services& s) {
    const auto old = s.authority.server_cert();
    pki::CertInfo cert;
    try {
        cert = s.authority.renew_server();
    } catch (const std::exception& e) {
        log::error("server certificate renewal failed", {{"error", e.what()}});
        return Reply::error(Code::Internal, std::string("server certificate: ") + e.what());
    }
    s.audit(caller, "pki.renew-server", cert.common_name,
            "serial=" + cert.serial + " expires=" + iso_time(cert.not_after) +
                " old_serial=" + (old ? old->serial : std::string("-")));
    json::object o;
    o["serial"] = cert.serial;
    o["expires"] = iso_time(cert.not_after);
    o["old_serial"] = old ? json::value(old->serial) : json::value(nullptr);
    o["restart_needed"] = true;
    o["note"] = kRestartNote;
    return Reply::ok(o);
}

}  // namespace

void add_pki_status(json::object& o, Services& s) {
    const std::int64_t now = s.now();
    const CrlStatus crl = s.crl_status();
    o["crl_next_update"] = time_or_null(crl.next_update);
    o["crl_health"] = !crl.alarm.empty() ? "alarm" : crl.next_update ? "ok" : "unknown";
    if (!crl.alarm.empty()) o["crl_alarm"] = crl.alarm;
    const auto server = not_after(s.authority.server_cert());
    const auto ca = not_after(s.authority.ca_cert());
    o["server_cert_expires"] = time_or_null(server);
    o["ca_expires"] = time_or_null(ca);
    // Unreadable counts as expiring: OpenVPN could not start with it either.
    o["pki_expiry_warning"] = !server || !ca || within_warning(*server, now, s.config) ||
                              within_warning(*ca, now, s.config);
}

void register_pki_commands(Registry& r, Services& s) {
    r.add({"pki.renew-server",
           Access::Write,
           "issue a new server certificate and key from the same CA (OpenVPN loads them on "
           "its next restart: vpn.restart)",
           {},
           [&s](const Args&, const Caller& c) { return renew_server(c, s); }});
}

}  // namespace warden::control

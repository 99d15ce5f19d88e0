#include "daemon/control/notices.hpp"

#include "common/log.hpp"
#include "daemon/core/duration.hpp"
#include "daemon/core/net.hpp"

namespace warden::control {
namespace {

std::string describe(const store::Device& d) {
    std::string out = "  device: " + d.name +
                      "\n  type:   " + std::string(store::to_string(d.type)) +
                      "\n  group:  " + d.group + "\n";
    if (d.vpn_ip != 0) out += "  VPN IP: " + net::format_ipv4(d.vpn_ip) + "\n";
    if (!d.serial_number.empty()) out += "  serial: " + d.serial_number + "\n";
    return out;
}

}  // namespace

Notice offline_notice(const store::Device& d, std::int64_t offline_since, std::int64_t now) {
    return {"warden: " + d.name + " is offline",
            "The monitored device " + d.name + " has been offline since " +
                iso_time(offline_since) + " (" + core::format_duration(now - offline_since) +
                ").\n\n" + describe(d) + "\nYou will get another mail when it is back online.\n"};
}

Notice recovered_notice(const store::Device& d, std::int64_t offline_since, std::int64_t now) {
    return {"warden: " + d.name + " is back online",
            "The monitored device " + d.name + " is back online since " + iso_time(now) +
                ".\nIt was offline from " + iso_time(offline_since) + ", for " +
                core::format_duration(now - offline_since) + ".\n\n" + describe(d)};
}

Notice device_change_notice(const store::Device& d, std::string_view what, const std::string& user,
                            const std::string& how, std::int64_t now) {
    return {"warden: device " + d.name + " " + std::string(what),
            "The device " + d.name + " was " + std::string(what) + " by " + user + " at " +
                iso_time(now) + ".\n\n" + describe(d) + "  command: " + how + "\n"};
}

Notice pending_notice(const store::CertSighting& c, std::int64_t now) {
    const std::string name = c.common_name.empty() ? c.fingerprint.substr(0, 11) : c.common_name;
    return {"warden: new device " + name + " waits for authorization",
            "A device with a certificate of the enrollment CA " + c.enroll_ca +
                " tried to connect at " + iso_time(now) +
                " and waits for authorization.\n\n"
                "  fingerprint: " +
                c.fingerprint + "\n  subject:     " + c.subject + "\n  serial:      " + c.serial +
                "\n  address:     " + c.address + "\n  client:      " + c.peer_version + " " +
                c.peer_platform +
                "\n\nCompare the fingerprint with the one the device shows, then:\n"
                "  wardenctl pending accept " +
                c.fingerprint +
                " --name NAME\n"
                "  wardenctl pending reject " +
                c.fingerprint + "\n"};
}

std::optional<std::string> alert_recipient(const store::Device& device,
                                           const core::Config& config) {
    if (!device.email.empty()) return device.email;
    if (!config.mail.operator_address.empty()) return config.mail.operator_address;
    return std::nullopt;
}

bool queue_operator_notice(Services& s, const Caller& caller, const store::Device& device,
                           std::string_view what, const std::string& how) {
    const std::string& to = s.config.mail.operator_address;
    if (!s.mail || to.empty()) return false;
    const Notice n = device_change_notice(device, what, caller.user, how, s.now());
    std::string error;
    if (!s.mail->enqueue("operator", to, n.subject, n.body, error)) {
        log::warn("operator notice not queued", {{"device", device.name}, {"error", error}});
        return false;
    }
    return true;
}

void wake_mail(Services& s) {
    if (s.mail && s.mail->wake) s.mail->wake();
}

}  // namespace warden::control

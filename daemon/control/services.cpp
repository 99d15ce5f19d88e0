#include "daemon/control/services.hpp"

#include <ctime>

#include "common/log.hpp"
#include "daemon/control/enrollment.hpp"
#include "daemon/control/two_factor.hpp"
#include "daemon/core/net.hpp"
#include "daemon/core/time_text.hpp"

namespace warden::control {

void Services::audit(const Caller& caller, const std::string& action, const std::string& object,
                     const std::string& details) const {
    store.log_activity({0, now(), caller.user, action, object, details});
    log::info(
        "admin action",
        {{"user", caller.user}, {"action", action}, {"object", object}, {"details", details}});
}

void register_all_commands(Registry& registry, Services& services) {
    register_status_commands(registry, services);
    register_device_commands(registry, services);
    register_cert_commands(registry, services);
    register_session_commands(registry, services);
    register_license_commands(registry, services);
    register_log_commands(registry, services);
    register_vpn_commands(registry, services);
    register_testing_commands(registry, services);
    register_totp_commands(registry, services);
    register_otp_commands(registry, services);
    register_group_commands(registry, services);
    register_pki_commands(registry, services);
    register_mail_commands(registry, services);
    register_tr_commands(registry, services);
    register_enroll_commands(registry, services);
    register_pending_commands(registry, services);
}

Reply from_outcome(const store::Outcome& out) {
    switch (out.status) {
        case store::Status::Ok:
            return Reply::ok();
        case store::Status::NotFound:
            return Reply::error(Code::NotFound, out.message);
        case store::Status::Duplicate:
        case store::Status::Invalid:
            return Reply::error(Code::Invalid, out.message);
    }
    return Reply::error(Code::Internal, out.message);
}

std::string iso_time(std::int64_t t) {
    return core::iso_utc(t);
}

json::object device_to_json(const store::Device& d) {
    json::object o;
    o["name"] = d.name;
    o["type"] = std::string(store::to_string(d.type));
    o["group"] = d.group;
    o["vpn_ip"] = net::format_ipv4(d.vpn_ip);
    o["network"] = d.network;
    o["addressing"] = std::string(store::to_string(d.addressing));
    o["local_network"] = d.local_network;
    o["serial_number"] = d.serial_number;
    o["monitor"] = d.monitor;
    o["email"] = d.email;
    o["state"] =
        std::string(store::to_string(d.active ? d.state : store::DeviceState::Deactivated));
    o["since"] = iso_time(d.state_since);
    o["created"] = iso_time(d.created_at);
    return o;
}

}  // namespace warden::control

#include "daemon/core/decision.hpp"

#include "common/text.hpp"
#include "daemon/core/licensing.hpp"
#include "daemon/core/time_restriction.hpp"

namespace warden::core {
namespace {

Verdict refuse(std::string reason, std::optional<store::Device> device = std::nullopt) {
    Verdict v;
    v.reason = std::move(reason);
    v.device = std::move(device);
    return v;
}

}  // namespace

std::string client_config(const store::Device& device, const VpnPool& pool) {
    return "ifconfig-push " + net::format_ipv4(device.vpn_ip) + " " +
           net::format_ipv4(pool.network.netmask()) + "\n";
}

Verdict decide(std::string_view serial, const std::optional<store::CertBinding>& binding,
               const VpnPool& pool, std::int64_t now, bool with_config) {
    if (text::normalize_serial(serial).empty()) return refuse("no client certificate serial");
    if (!binding) return refuse("certificate not registered");
    const store::Certificate& cert = binding->cert;
    if (cert.revoked_at) return refuse("certificate revoked", binding->device);
    if (now < cert.not_before) return refuse("certificate not yet valid", binding->device);
    if (now > cert.not_after) return refuse("certificate expired", binding->device);
    if (!binding->device) return refuse("device deleted");
    const store::Device& device = *binding->device;
    if (!device.active) return refuse("device deactivated", device);
    if (!seat_valid(binding->license, now)) return refuse("no license", device);
    if (binding->time_restriction && !released(binding->time_restriction->released_until, now))
        return refuse(kNotReleased, device);
    if (!pool.network.contains(device.vpn_ip))
        return refuse("device address outside the VPN pool", device);

    Verdict v;
    v.allow = true;
    if (with_config) v.config = client_config(device, pool);
    v.device = device;
    return v;
}

}  // namespace warden::core

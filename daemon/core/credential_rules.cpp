#include "daemon/core/credential_rules.hpp"

namespace warden::core {

bool totp_required_by_group(const store::Device& device, bool group_requires_totp) {
    return group_requires_totp && device.type == store::DeviceType::Pc;
}

bool needs_totp(const store::Device& device, const store::LoginRequirements& r) {
    return r.totp_enforced || totp_required_by_group(device, r.group_requires_totp);
}

bool needs_credentials(const store::Device& device, const store::LoginRequirements& r) {
    return needs_totp(device, r) || r.password;
}

}  // namespace warden::core

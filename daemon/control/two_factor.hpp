// Admin commands of two-factor authentication (SPEC §3): totp.*, group.require-totp,
// device.password (commands_totp.cpp) and otp.* (commands_otp.cpp).
#pragma once

#include <string>

#include "daemon/control/services.hpp"

namespace warden::control {

void register_totp_commands(Registry& registry, Services& services);
void register_otp_commands(Registry& registry, Services& services);

// Client profile lines for a device that logs in with a username and password (TOTP,
// static password, one-time code): `auth-user-pass`, and `static-challenge` when
// configured. Empty for certificate-only devices.
std::string credential_profile_lines(Services& services, const store::Device& device);

}  // namespace warden::control

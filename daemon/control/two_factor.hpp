// Admin commands of two-factor authentication (SPEC §3): totp.*, group.require-totp,
// device.password (commands_totp.cpp) and otp.* (commands_otp.cpp).
#pragma once

#include <string>

#include "daemon/control/services.hpp"

namespace warden::control {

void register_totp_commands(Registry& registry, Services& services);
void register_otp_commands(Registry& registry, Services& services);

}  // namespace warden::control

// Which devices log in with more than their certificate (SPEC §3), stated once: the
// verdict path (core/login), the admin commands (totp.show, totp.off) and the exported
// profile (core/profile) all ask here.
//
// A device needs credentials when TOTP is enforced for it (confirmed once, until
// `totp off`), a static password is set, or it is a pc in a group that requires TOTP.
// The group's requirement never applies to routers: they log in unattended.
#pragma once

#include "daemon/store/store.hpp"

namespace warden::core {

// Whether `group_requires_totp` (the device's group's setting) applies to this device.
bool totp_required_by_group(const store::Device& device, bool group_requires_totp);

// Whether a login of the device must carry a TOTP code (or a one-time code instead).
bool needs_totp(const store::Device& device, const store::LoginRequirements& r);

// Whether the device needs a username and password at all; others are admitted on
// their certificate alone and whatever they send is ignored.
bool needs_credentials(const store::Device& device, const store::LoginRequirements& r);

}  // namespace warden::core

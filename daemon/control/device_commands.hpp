// Shared by the device command family: commands_device.cpp (add, list, show, delete,
// export), commands_device_edit.cpp (edit, copy, replace) and commands_device_state.cpp
// (deactivate, activate).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/control/services.hpp"
#include "daemon/core/device_input.hpp"

namespace warden::control {

// Arguments add, edit and copy take besides their names: group, serial, code, network,
// netmap, email, monitor, key_password.
std::vector<ArgSpec> device_field_args();

// The settable fields present in a request (name and type are read by the caller).
core::DeviceFields device_fields(const Args& args);

// Validates `fields` against the stored devices and applies them to `draft`.
std::optional<std::string> apply_fields(const core::DeviceFields& fields, Services& s,
                                        core::DeviceDraft& draft);

// A device's first certificate when warden does not issue it (`pending accept`: the
// device brought its own), and what else belongs in the device's transaction.
struct GivenCertificate {
    store::Certificate cert;
    std::function<store::Outcome(const store::Device& device)> also;
};

// Gives `draft` a free VPN address and a first certificate (issued, or `given`) and
// stores it all in one transaction with an activity entry. Shared by add, copy and
// pending accept.
Reply create_device(core::DeviceDraft draft, const Caller& caller, Services& s,
                    const std::string& action, std::string details,
                    std::optional<GivenCertificate> given = std::nullopt);

// Whether a certificate valid until `not_after` is flagged ([pki] expiry_warning_days).
bool expiring_soon(std::int64_t not_after, std::int64_t now, const core::Config& config);

// Serials of the certificates a device may still connect with. Commands that revoke
// them end sessions by serial: that also finds sessions from before a daemon restart
// (by the certificates' common names) after the device row is gone.
std::vector<std::string> usable_serials(Services& s, std::int64_t device_id);

// A client certificate for the device called `device_name`, with a common name no live
// certificate has (core/cert_names.hpp); device_id is left for the caller to set.
// `released`: names of live certificates the caller revokes in the same transaction.
store::Certificate issue_certificate(Services& s, const std::string& device_name, std::int64_t now,
                                     const std::vector<std::string>& released = {});

// "name: no device named X": commands name the argument that did not match.
Reply no_device(const std::string& field, const std::string& name);

void register_device_edit_commands(Registry& registry, Services& services);
void register_device_state_commands(Registry& registry, Services& services);

}  // namespace warden::control

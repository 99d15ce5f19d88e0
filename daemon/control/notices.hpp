// Mails wardend writes about devices (issue 10, SPEC §8): availability alerts (sent by
// app/availability_watch) and the operator's notices of devices added and deleted (sent
// by the device commands). The texts are pure functions of the records; every field in
// them comes from the store, and mail/message.hpp renders them header-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/control/services.hpp"

namespace warden::control {

struct Notice {
    std::string subject, body;
};

Notice offline_notice(const store::Device& device, std::int64_t offline_since, std::int64_t now);
Notice recovered_notice(const store::Device& device, std::int64_t offline_since, std::int64_t now);
// `what`: "added" or "deleted"; `user`: the OS user who ran the command; `how`: the
// command and its details as in the activity log ("device.copy from=r1").
Notice device_change_notice(const store::Device& device, std::string_view what,
                            const std::string& user, const std::string& how, std::int64_t now);

// A certificate of an enrollment CA waits for an admin's decision (SPEC §5).
Notice pending_notice(const store::CertSighting& cert, std::int64_t now);

// Where an alert about `device` goes: its own address, else [mail] operator; nullopt
// when there is neither.
std::optional<std::string> alert_recipient(const store::Device& device, const core::Config& config);

// Queues the operator's notice of a device change when [mail] is on and has an operator
// address. Call it inside the change's transaction (the notice is stored with the change
// or not at all) and wake_mail() once that committed. Returns whether a mail was queued.
bool queue_operator_notice(Services& s, const Caller& caller, const store::Device& device,
                           std::string_view what, const std::string& how);
// The worker looks at the queue again (after the transaction that queued committed: a
// look before the commit does not see the new row).
void wake_mail(Services& s);

}  // namespace warden::control

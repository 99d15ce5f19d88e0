// Enrollment by fingerprint (SPEC §5), the control side: the enrollment CAs OpenVPN
// trusts (commands_enroll.cpp), the pending and rejected certificates and their
// decisions (commands_pending.cpp), and what the daemon records when a certificate of a
// listed CA tries to connect (record_sighting).
#pragma once

#include "daemon/control/services.hpp"
#include "daemon/core/enrollment.hpp"

namespace warden::control {

// Records a refused enrollment candidate the verdict path saw (core::Sighting): a pending
// row (new: an activity entry, a log line and a mail to [mail] operator), or one more
// attempt of a rejected certificate (a counter only). Runs after the verdict's reply.
void record_sighting(Services& s, core::Sighting what, const store::CertSighting& cert);

// Writes pki/ca-bundle.pem (warden's CA and every enrollment CA) from the store.
void write_ca_bundle(Services& s);

// A fingerprint argument in any case, with or without colons; "" when malformed.
std::string fingerprint_arg(const Args& args, std::string_view key = "fingerprint");

json::object sighting_to_json(const store::CertSighting& cert);

void register_enroll_commands(Registry& registry, Services& services);
void register_pending_commands(Registry& registry, Services& services);

}  // namespace warden::control

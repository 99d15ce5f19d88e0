// SIGHUP: which keys of wardend.conf a running wardend takes over from the re-read file,
// and which only a restart puts in force (sockets, state, firewall table, mail, the
// limits the servers were built with). Pure: daemon/app/reload reads the file and logs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "daemon/core/config.hpp"

namespace warden::core {

struct ReloadPlan {
    std::vector<std::string> applied;       // changed and now in force
    std::vector<std::string> need_restart;  // changed in the file, in force after a restart
};

// The keys a reload takes over. Each is read where it is used, on the event loop, so
// replacing it between two commands is enough:
//   log_level; [log] syslog, facility, ident, syslog_socket (app/activity_syslog takes
//   them after the reload); [vpn] remote, port, proto (exported profiles; server.conf is the
//   operator's to change); [auth] otp_ttl, static_challenge; [devices] default_code;
//   [pki] expiry_warning_days.
const std::vector<std::string_view>& reloadable_keys();

// Copies the reloadable keys of `fresh` into `live`; lists what changed.
ReloadPlan apply_reload(Config& live, const Config& fresh);

// log_level as the logger takes it ("debug", "info", "warning", "error"; else info).
log::Level log_level_of(const std::string& name);

}  // namespace warden::core

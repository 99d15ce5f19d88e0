// The files through which OpenVPN learns a verdict.
//
// OpenVPN creates every one of these files itself (in its --tmp-dir) and passes their
// names in the env (auth_control_file, auth_failed_reason_file,
// client_connect_deferred_file) or in argv[1] (the client-connect config file). They
// are written in place, never created: a missing file means OpenVPN already dropped the
// client and cleaned up, and re-creating it would only leave litter behind. In-place
// writes also fire IN_CLOSE_WRITE for OpenVPN builds that watch these files with
// inotify (a rename would not).
#pragma once

#include <string>
#include <string_view>

namespace warden::plugin {

// What the daemon decided.
struct Outcome {
    bool allow = false;
    std::string reason;  // deny: why (logged, shown to the client for auth)
    std::string config;  // connect allow: client config lines for OpenVPN
    // auth allow: `config` is the client's Connect verdict too (protocol.hpp: prefetched)
    bool connect_ready = false;
};

// Where a deferred verdict goes.
struct DeferredTarget {
    enum class Kind { Auth, Connect } kind = Kind::Auth;
    std::string control_file;  // auth_control_file / client_connect_deferred_file
    std::string reason_file;   // auth: auth_failed_reason_file (may be empty)
    std::string config_file;   // connect: argv[1] (may be empty)
};

// Replaces the content of the existing file `path`. Returns an error text, empty on success.
std::string write_existing(const std::string& path, std::string_view content);

// Writes a deferred verdict: auth -> reason (deny) then '1'/'0' into the control file;
// connect -> config then '1'/'0'. A config that cannot be written turns an allow into
// '0' (admitting a client without its address and routes would be worse). Returns an
// error text (the verdict was still delivered as far as possible), empty on success.
std::string deliver_deferred(const DeferredTarget& target, const Outcome& outcome);

// State of a client-connect deferred file, as OpenVPN would read it.
enum class ControlState { Pending, Decided, Unreadable };
ControlState read_control(const std::string& path);

}  // namespace warden::plugin

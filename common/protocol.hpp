// What travels in the wire messages (see wire.hpp for the framing).
//
// plugin -> daemon
//   Hello       id 0   instance, plugin_version, pid
//   Auth        id N   instance + the OpenVPN env vars in kForwardedEnv that are set
//   Connect     id N   same as Auth
//   Disconnect  id 0   same, plus bytes_received, bytes_sent, time_duration
//   Ping        id N   (answered by Pong with the same id)
//   Report      id 0   event = "deferred": the plugin answered OpenVPN DEFERRED for a
//                      request (kind = auth | connect, common_name, why = budget | queued,
//                      waited_ms: how long OpenVPN's thread waited for the verdict first);
//                      event = "late": a deferred request's verdict was written (kind,
//                      common_name, result = allow | deny | timeout, late_ms: from the
//                      request to the verdict). Sent when connected; a deferral while the
//                      daemon is away is reported once it is back.
// daemon -> plugin
//   Verdict     id N   result = "allow" | "deny", reason (deny: why, shown to the client
//                      via auth_failed_reason_file and logged), config (Connect only: lines
//                      of OpenVPN client config, e.g. "ifconfig-push 10.8.0.2 255.255.255.0")
//   Error       id N   reason: the request could not be handled (treated as deny)
//   Notice      id 0   text: anything the daemon wants the plugin to log
//
// Env var names are used unchanged as field names so the daemon reads what OpenVPN said.
#pragma once

#include <array>
#include <string_view>

namespace warden::protocol {

inline constexpr std::string_view kPluginVersion = "1";

namespace field {
inline constexpr std::string_view instance = "instance";
inline constexpr std::string_view plugin_version = "plugin_version";
inline constexpr std::string_view pid = "pid";
inline constexpr std::string_view result = "result";
inline constexpr std::string_view reason = "reason";
inline constexpr std::string_view config = "config";
inline constexpr std::string_view text = "text";
// Report
inline constexpr std::string_view event = "event";
inline constexpr std::string_view kind = "kind";
inline constexpr std::string_view common_name = "common_name";
inline constexpr std::string_view why = "why";
inline constexpr std::string_view waited_ms = "waited_ms";
inline constexpr std::string_view late_ms = "late_ms";
}  // namespace field

namespace report {
inline constexpr std::string_view kDeferred = "deferred";
inline constexpr std::string_view kLate = "late";
inline constexpr std::string_view kBudget = "budget";    // why: no verdict within the budget
inline constexpr std::string_view kQueued = "queued";    // why: the daemon was away
inline constexpr std::string_view kTimeout = "timeout";  // result: no verdict in timeout_s
}  // namespace report

inline constexpr std::string_view kAllow = "allow";
inline constexpr std::string_view kDeny = "deny";

// OpenVPN env vars the plugin forwards (when set) with Auth, Connect and Disconnect.
inline constexpr std::array<std::string_view, 21> kForwardedEnv = {
    "common_name",
    "username",
    "password",
    "untrusted_ip",
    "untrusted_ip6",  // set instead of untrusted_ip for clients over IPv6
    "untrusted_port",
    "trusted_ip",
    "trusted_ip6",
    "trusted_port",
    "tls_serial_hex_0",
    "tls_digest_sha256_0",
    "session_state",
    "session_id",
    "IV_VER",
    "IV_PLAT",
    "ifconfig_pool_remote_ip",
    "bytes_received",
    "bytes_sent",
    "time_duration",
    "time_unix",
    "proto_1",
};

}  // namespace warden::protocol

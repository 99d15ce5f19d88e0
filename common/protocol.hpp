// What travels in the wire messages (see wire.hpp for the framing).
//
// plugin -> daemon
//   Hello       id 0   instance, plugin_version, pid
//   Auth        id N   instance + the OpenVPN env vars in kForwardedEnv that are set, and
//                      cert_not_after: the client certificate's notAfter in Unix seconds
//                      (decimal), which the plugin read at its TLS verification (OpenVPN
//                      exports no env var for it); absent when unknown (another TLS
//                      library, a plugin older than this field)
//   Connect     id N   same as Auth; id 0 with prefetched = "1": the plugin already
//                      admitted the client on a prefetched verdict (see Prefetch) and
//                      waits for no answer; the daemon records the session as for any
//                      connect and ends it at once if its verdict is no longer allow
//   Prefetch    id N   at TLS verification of a client certificate (depth 0): instance,
//                      tls_serial_hex_0, untrusted_ip(6)/untrusted_port, common_name (the
//                      certificate's CN), cert_not_after. Answered by a Verdict like a
//                      Connect's but with no effect at all (no session, no log); "allow"
//                      only for a client that needs no credentials. The plugin keeps an allow for a
//                      few seconds and answers that client's CLIENT_CONNECT from it without a round
//                      trip, unless an Invalidate came in between. Sent only after the daemon sent
//                      Invalidate on this connection (its "I can").
//   Disconnect  id 0   the env vars as Auth (no cert_not_after), plus bytes_received, bytes_sent,
//   time_duration Ping        id N   (answered by Pong with the same id) Report      id 0   event =
//   "deferred": the plugin answered OpenVPN DEFERRED for a
//                      request (kind = auth | connect, common_name, why = budget | queued,
//                      waited_ms: how long OpenVPN's thread waited for the verdict first);
//                      event = "late": a deferred request's verdict was written (kind,
//                      common_name, result = allow | deny | timeout, late_ms: from the
//                      request to the verdict). Sent when connected; a deferral while the
//                      daemon is away is reported once it is back.
// daemon -> plugin
//   Verdict     id N   result = "allow" | "deny", reason (deny: why, shown to the client
//                      via auth_failed_reason_file and logged), config (Connect only: lines
//                      of OpenVPN client config, e.g. "ifconfig-push 10.8.0.2 255.255.255.0");
//                      an Auth's allow may carry config with prefetched = "1": the client's
//                      Connect verdict, used by the plugin like a prefetched one
//   Error       id N   reason: the request could not be handled (treated as deny)
//   Notice      id 0   text: anything the daemon wants the plugin to log
//   Invalidate  id 0   every prefetched verdict is stale (a committed change, a timer):
//                      sent before the change's command answers, so a CONNECT after it
//                      never uses a verdict from before it. Also sent right after a Hello
//                      of plugin_version >= 2 (the daemon understands Prefetch); never to
//                      older plugins (their decoder would drop the connection).
//
// Env var names are used unchanged as field names so the daemon reads what OpenVPN said.
#pragma once

#include <array>
#include <string_view>

namespace warden::protocol {

inline constexpr std::string_view kPluginVersion = "2";
// The first plugin version that understands Invalidate (and may send Prefetch).
inline constexpr int kPrefetchVersion = 2;

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
// Connect
inline constexpr std::string_view prefetched = "prefetched";
// Auth, Connect, Prefetch: the client certificate's notAfter (Unix seconds, decimal)
inline constexpr std::string_view cert_not_after = "cert_not_after";
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

// OpenVPN env var names: the plugin forwards them unchanged as field names, the daemon's
// decoder (daemon/server/plugin_decode.cpp) is the only daemon code that reads them.
namespace env {
inline constexpr std::string_view common_name = "common_name";
inline constexpr std::string_view username = "username";
inline constexpr std::string_view password = "password";
inline constexpr std::string_view untrusted_ip = "untrusted_ip";
inline constexpr std::string_view untrusted_ip6 = "untrusted_ip6";  // clients over IPv6
inline constexpr std::string_view untrusted_port = "untrusted_port";
inline constexpr std::string_view trusted_ip = "trusted_ip";
inline constexpr std::string_view trusted_ip6 = "trusted_ip6";
inline constexpr std::string_view trusted_port = "trusted_port";
inline constexpr std::string_view tls_serial = "tls_serial_hex_0";
inline constexpr std::string_view tls_digest = "tls_digest_sha256_0";
// The certificate's subject and its issuer's (the next certificate up the chain), in
// OpenVPN's "C=DE, O=Example, CN=name" form.
inline constexpr std::string_view tls_subject = "tls_id_0";
inline constexpr std::string_view tls_issuer = "tls_id_1";
// SHA-256 of the certificates above the client's (its CA, and the CA's CA ...).
inline constexpr std::string_view tls_digest_1 = "tls_digest_sha256_1";
inline constexpr std::string_view tls_digest_2 = "tls_digest_sha256_2";
inline constexpr std::string_view tls_digest_3 = "tls_digest_sha256_3";
inline constexpr std::string_view session_state = "session_state";
inline constexpr std::string_view session_id = "session_id";
inline constexpr std::string_view iv_ver = "IV_VER";
inline constexpr std::string_view iv_plat = "IV_PLAT";
inline constexpr std::string_view pool_remote_ip = "ifconfig_pool_remote_ip";
inline constexpr std::string_view bytes_received = "bytes_received";
inline constexpr std::string_view bytes_sent = "bytes_sent";
inline constexpr std::string_view time_duration = "time_duration";
inline constexpr std::string_view time_unix = "time_unix";
inline constexpr std::string_view proto = "proto_1";
inline constexpr std::string_view cert_cn = "X509_0_CN";  // at TLS verification
}  // namespace env

struct ForwardedField {
    std::string_view name;
    bool secret = false;  // wiped wherever it was held, as soon as it is not needed
};

// The one list of OpenVPN env vars the plugin forwards (when set) with Auth, Connect and
// Disconnect: the plugin's build_message and wipe_secrets and the daemon's decoder use it.
inline constexpr auto kForwardedEnv = std::to_array<ForwardedField>({
    {env::common_name},    {env::username},       {env::password, true}, {env::untrusted_ip},
    {env::untrusted_ip6},  {env::untrusted_port}, {env::trusted_ip},     {env::trusted_ip6},
    {env::trusted_port},   {env::tls_serial},     {env::tls_digest},     {env::tls_subject},
    {env::tls_issuer},     {env::tls_digest_1},   {env::tls_digest_2},   {env::tls_digest_3},
    {env::session_state},  {env::session_id},     {env::iv_ver},         {env::iv_plat},
    {env::pool_remote_ip}, {env::bytes_received}, {env::bytes_sent},     {env::time_duration},
    {env::time_unix},      {env::proto},
});

// Whether `name` is a forwarded field that holds a secret.
constexpr bool is_secret(std::string_view name) {
    for (const auto& f : kForwardedEnv)
        if (f.secret && f.name == name) return true;
    return false;
}

}  // namespace warden::protocol

// wardend.conf (TOML). Every key is optional except [vpn] remote; unknown keys are
// errors so a typo never silently falls back to a default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/client_version.hpp"
#include "daemon/core/net.hpp"

namespace warden::core {

struct InstanceConfig {
    std::string name = "default";
    std::string management_socket;  // OpenVPN `management PATH unix`
    // OpenVPN's tun device (`dev` in server.conf): routers' networks are routed into it.
    // Empty: warden leaves kernel routes to the operator.
    std::string tun_device;
};

// [auth]: two-factor logins (SPEC §3). Durations are written "5m", "2h", ...
struct AuthConfig {
    int max_failures = 5;                 // consecutive failed logins that lock a device
    std::int64_t lock_seconds = 300;      // lock_time
    std::int64_t token_lifetime = 43200;  // auth-gen-token lifetime in server.conf (init)
    std::int64_t otp_ttl = 7200;          // default validity of a one-time access code
    std::string static_challenge;         // exported profiles: static-challenge text ("" none)
};

// [firewall]: the nftables table wardend owns (SPEC §7).
struct FirewallConfig {
    bool enabled = true;
    std::string table = "warden";  // family inet
    bool remove_on_stop = false;   // default: the table stays (fail closed) when wardend stops
};

// [http]: the time-restricted-access confirmation page (issue 10). Meant to sit behind
// a TLS reverse proxy; public_url is what the links in mails start with.
struct HttpConfig {
    std::string listen = "127.0.0.1:8088";  // "" or "off": no page
    std::string public_url;                 // no trailing '/'; default "http://" + listen
    int token_attempts_per_minute = 10;     // per client address (IPv6: per /64)
    // The reverse proxy's address: only its requests' X-Forwarded-For (last hop) names
    // the client. "": the peer is the client.
    std::string trusted_proxy;
};

// [metrics]: Prometheus text format at http://LISTEN/metrics (issue 12). Off unless set:
// the page is plain HTTP without login, so where it listens is the operator's choice
// (loopback or a management network), never a default that may face the VPN or the web.
struct MetricsConfig {
    std::string listen = "off";  // "" or "off": none; else as [http] listen
};

// [mail]: outgoing e-mail through an SMTP relay (issue 10). The password is not here: it
// is read from password_file when wardend starts.
struct MailConfig {
    bool enabled = false;
    std::string server;
    int port = 0;                       // 0 in the file: by security, 25/587/465
    std::string security = "starttls";  // none | starttls | tls
    std::string user;                   // "": no login
    std::string password_file;          // required with user
    std::string ca_file;                // "": the system trust store
    std::string from;                   // envelope and From: address
    std::string operator_address;       // `operator`: where operator notices go
    std::int64_t retry_for = 86400;     // seconds a message is retried before it fails
    std::int64_t timeout = 30;          // seconds for one SMTP transaction
};

// [monitor]: availability alerts (SPEC §8). A monitored device offline longer than
// offline_after gets one alert mail, and one when it is back (core/availability.hpp).
struct MonitorConfig {
    std::int64_t offline_after = 300;  // seconds, at least 1
};

// [tr]: time-restricted access (issue 10, SPEC §4).
struct TrConfig {
    std::int64_t resend_interval = 300;  // seconds between token mails a device's attempts send
};

// [enroll]: devices that bring their own certificate (SPEC §5, core/enrollment.hpp).
struct EnrollConfig {
    // Clients reporting an older IV_VER are refused with "update required".
    std::optional<ClientVersion> min_client_version;  // unset: any version
    std::size_t max_pending = 1000;                   // pending certificates kept
};

// [store]: where the state lives. sqlite (the default): STATE_DIR/warden.db, one node.
// postgresql: one shared database for several nodes, reached by a libpq connection
// string (a password belongs in ~/.pgpass or PGPASSFILE, not in this file).
struct StoreConfig {
    enum class Backend { Sqlite, Postgresql };
    Backend backend = Backend::Sqlite;
    std::string url;  // libpq key=value or postgresql:// URI; required for postgresql
    // This node's name among those sharing the database ("": the host name). Other nodes
    // see it in `session list` and skip the changes it made (they are its own).
    std::string node;
    // Where the other nodes reach this one to route its devices' traffic ("": none).
    std::string node_address;
};

// A [store] node name: empty (the host name) or 1-63 of [A-Za-z0-9._-].
bool valid_node_name(std::string_view name);

// [log]: the activity log (wardenctl log) also to syslog, for a SIEM. The stderr log
// level stays the top-level log_level key.
struct LogConfig {
    bool syslog = false;
    std::string facility = "authpriv";  // security/audit events: auth.log, root-readable
    std::string ident = "wardend";
    std::string syslog_socket = "/dev/log";  // a local datagram socket (tests: their own)
};

struct Config {
    std::string state_dir = "/var/lib/warden";  // warden.db and pki/
    std::string plugin_socket = "/run/warden/plugin.sock";
    // Group that may connect to the plugin socket besides root: OpenVPN's `group` when it
    // drops privileges (its plugin reconnects as that user). Empty: root only.
    std::string plugin_socket_group;
    // User that may connect to the plugin socket besides root: OpenVPN's `user` when it
    // drops privileges. Empty: none (root and plugin_socket_group only).
    std::string plugin_socket_user;
    std::string admin_socket = "/run/warden/admin.sock";
    std::string admin_group = "warden-admin";
    std::string viewer_group = "warden-view";
    // Bounds on the admin socket, which every local user can reach.
    int admin_max_connections = 64;           // in all
    int admin_max_connections_per_user = 16;  // per uid, root included
    std::int64_t admin_idle_timeout = 30;     // seconds without a complete request
    std::string log_level = "info";
    LogConfig log;  // [log]

    std::string remote;  // address clients connect to
    int port = 1194;
    std::string proto = "udp";
    net::Network pool{0x0a080000, 24};  // 10.8.0.0/24
    int cert_days = 825;
    int crl_days = 30;

    // [devices] default_code: the device code of routers added without --code.
    std::string default_device_code;
    // [pki] expiry_warning_days: certificates expiring sooner are flagged in lists.
    int expiry_warning_days = 30;

    std::vector<InstanceConfig> instances;
    int management_poll_ms = 1000;

    AuthConfig auth;
    FirewallConfig firewall;
    HttpConfig http;
    MetricsConfig metrics;
    StoreConfig store;
    MailConfig mail;
    MonitorConfig monitor;
    TrConfig tr;
    EnrollConfig enroll;

    int testing_verdict_delay_ms = 0;    // tests only: delay every verdict (deferred path)
    bool testing_clock_control = false;  // tests only: `testing.clock` may move the clock

    std::string database_path() const { return state_dir + "/warden.db"; }
    std::string pki_dir() const { return state_dir + "/pki"; }
};

struct ConfigResult {
    std::optional<Config> config;
    std::string error;  // "line 3: ..." when the file is invalid
};

ConfigResult parse_config(std::string_view toml_text);
ConfigResult load_config(const std::string& path);

// Every key the parser accepts, dotted ("log_level", "vpn.remote", "instance.tun"), in
// the order it reads them. Taken from the readers themselves (the manual's test compares
// wardend.conf(5) with it).
std::vector<std::string> config_keys();

// Renders a config back to TOML (used by `wardend init`).
std::string render_config(const Config& config);

}  // namespace warden::core

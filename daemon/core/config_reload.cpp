#include "daemon/core/config_reload.hpp"

#include <functional>

namespace warden::core {
namespace {

// One key: its value as text (to compare) and, for reloadable keys, how to take it over.
struct Key {
    std::string_view name;
    std::function<std::string(const Config&)> value;
    std::function<void(Config& live, const Config& fresh)> take;  // empty: restart only
};

std::string num(std::int64_t v) {
    return std::to_string(v);
}
std::string flag(bool v) {
    return v ? "true" : "false";
}

std::string instances_text(const Config& c) {
    std::string s;
    for (const auto& i : c.instances)
        s += i.name + "|" + i.management_socket + "|" + i.tun_device + ";";
    return s;
}

std::string mail_text(const MailConfig& m) {
    return flag(m.enabled) + "|" + m.server + "|" + num(m.port) + "|" + m.security + "|" + m.user +
           "|" + m.password_file + "|" + m.ca_file + "|" + m.from + "|" + m.operator_address + "|" +
           num(m.retry_for) + "|" + num(m.timeout);
}

// Every key wardend reads. A new key belongs here too: reloadable (with `take`) when it
// is read at use time on the event loop, restart-only otherwise.
const std::vector<Key>& keys() {
    static const std::vector<Key> table = {
        // Reloadable.
        {"log_level", [](const Config& c) { return c.log_level; },
         [](Config& l, const Config& f) { l.log_level = f.log_level; }},
        // [log]: read by app/activity_syslog, which takes it over after each reload.
        {"log.syslog", [](const Config& c) { return flag(c.log.syslog); },
         [](Config& l, const Config& f) { l.log.syslog = f.log.syslog; }},
        {"log.facility", [](const Config& c) { return c.log.facility; },
         [](Config& l, const Config& f) { l.log.facility = f.log.facility; }},
        {"log.ident", [](const Config& c) { return c.log.ident; },
         [](Config& l, const Config& f) { l.log.ident = f.log.ident; }},
        {"log.syslog_socket", [](const Config& c) { return c.log.syslog_socket; },
         [](Config& l, const Config& f) { l.log.syslog_socket = f.log.syslog_socket; }},
        {"vpn.remote", [](const Config& c) { return c.remote; },
         [](Config& l, const Config& f) { l.remote = f.remote; }},
        {"vpn.port", [](const Config& c) { return num(c.port); },
         [](Config& l, const Config& f) { l.port = f.port; }},
        {"vpn.proto", [](const Config& c) { return c.proto; },
         [](Config& l, const Config& f) { l.proto = f.proto; }},
        {"auth.otp_ttl", [](const Config& c) { return num(c.auth.otp_ttl); },
         [](Config& l, const Config& f) { l.auth.otp_ttl = f.auth.otp_ttl; }},
        {"auth.static_challenge", [](const Config& c) { return c.auth.static_challenge; },
         [](Config& l, const Config& f) { l.auth.static_challenge = f.auth.static_challenge; }},
        {"devices.default_code", [](const Config& c) { return c.default_device_code; },
         [](Config& l, const Config& f) { l.default_device_code = f.default_device_code; }},
        {"pki.expiry_warning_days", [](const Config& c) { return num(c.expiry_warning_days); },
         [](Config& l, const Config& f) { l.expiry_warning_days = f.expiry_warning_days; }},
        // Restart only: sockets, state and subsystems built once at start.
        {"state_dir", [](const Config& c) { return c.state_dir; }, {}},
        {"plugin_socket", [](const Config& c) { return c.plugin_socket; }, {}},
        {"plugin_socket_group", [](const Config& c) { return c.plugin_socket_group; }, {}},
        {"plugin_socket_user", [](const Config& c) { return c.plugin_socket_user; }, {}},
        {"admin_socket", [](const Config& c) { return c.admin_socket; }, {}},
        {"admin_group", [](const Config& c) { return c.admin_group; }, {}},
        {"viewer_group", [](const Config& c) { return c.viewer_group; }, {}},
        {"admin_max_connections", [](const Config& c) { return num(c.admin_max_connections); }, {}},
        {"admin_max_connections_per_user",
         [](const Config& c) { return num(c.admin_max_connections_per_user); },
         {}},
        {"admin_idle_timeout", [](const Config& c) { return num(c.admin_idle_timeout); }, {}},
        {"management_poll_ms", [](const Config& c) { return num(c.management_poll_ms); }, {}},
        {"vpn.pool", [](const Config& c) { return c.pool.to_string(); }, {}},
        {"vpn.cert_days", [](const Config& c) { return num(c.cert_days); }, {}},
        {"vpn.crl_days", [](const Config& c) { return num(c.crl_days); }, {}},
        {"instance", instances_text, {}},
        {"auth.max_failures", [](const Config& c) { return num(c.auth.max_failures); }, {}},
        {"auth.lock_time", [](const Config& c) { return num(c.auth.lock_seconds); }, {}},
        {"auth.token_lifetime", [](const Config& c) { return num(c.auth.token_lifetime); }, {}},
        {"firewall.enabled", [](const Config& c) { return flag(c.firewall.enabled); }, {}},
        {"firewall.table", [](const Config& c) { return c.firewall.table; }, {}},
        {"firewall.remove_on_stop",
         [](const Config& c) { return flag(c.firewall.remove_on_stop); },
         {}},
        {"mail", [](const Config& c) { return mail_text(c.mail); }, {}},
        {"http",
         [](const Config& c) {
             const HttpConfig& h = c.http;
             return h.listen + "|" + h.public_url + "|" + num(h.token_attempts_per_minute) + "|" +
                    h.trusted_proxy;
         },
         {}},
        {"metrics.listen", [](const Config& c) { return c.metrics.listen; }, {}},
        {"tr.resend_interval", [](const Config& c) { return num(c.tr.resend_interval); }, {}},
        {"monitor.offline_after", [](const Config& c) { return num(c.monitor.offline_after); }, {}},
        {"enroll",
         [](const Config& c) {
             const auto& v = c.enroll.min_client_version;
             return (v ? v->text() : std::string("-")) + "|" +
                    num(static_cast<std::int64_t>(c.enroll.max_pending));
         },
         {}},
        {"store",
         [](const Config& c) {
             return std::string(c.store.backend == StoreConfig::Backend::Sqlite ? "sqlite"
                                                                                : "postgresql") +
                    "|" + c.store.url + "|" + c.store.node + "|" + c.store.node_address;
         },
         {}},
        {"testing",
         [](const Config& c) {
             return num(c.testing_verdict_delay_ms) + "|" + flag(c.testing_clock_control);
         },
         {}},
    };
    return table;
}

}  // namespace

const std::vector<std::string_view>& reloadable_keys() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& k : keys())
            if (k.take) out.push_back(k.name);
        return out;
    }();
    return names;
}

ReloadPlan apply_reload(Config& live, const Config& fresh) {
    ReloadPlan plan;
    for (const auto& k : keys()) {
        if (k.value(live) == k.value(fresh)) continue;
        if (k.take) {
            k.take(live, fresh);
            plan.applied.emplace_back(k.name);
        } else {
            plan.need_restart.emplace_back(k.name);
        }
    }
    return plan;
}

log::Level log_level_of(const std::string& name) {
    if (name == "debug") return log::Level::Debug;
    if (name == "warning") return log::Level::Warning;
    if (name == "error") return log::Level::Error;
    return log::Level::Info;
}

}  // namespace warden::core

#include "daemon/core/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "daemon/core/activity_syslog_format.hpp"
#include "daemon/core/duration.hpp"
#include "daemon/core/http_settings.hpp"
#include "daemon/mail/message.hpp"

namespace warden::core {
namespace {

// Set only while config_keys() runs the readers: every key they read is appended here,
// missing tables read as empty ones and no value is judged, so the list comes from the
// readers themselves and cannot drift from what the parser accepts.
thread_local std::vector<std::string>* key_sink = nullptr;

// Reads optional keys out of one table and remembers which were seen, so leftovers can
// be reported as unknown.
class TableReader {
  public:
    TableReader(const toml::table& table, std::string prefix, std::string& error)
        : table_(table), prefix_(std::move(prefix)), error_(error) {}

    void text(std::string_view key, std::string& out) {
        note(key);
        if (auto node = take(key)) {
            if (auto v = node->value<std::string>())
                out = *v;
            else
                fail(key, "expected a string");
        }
    }
    void duration(std::string_view key, std::int64_t& out, std::int64_t max) {
        std::string text;
        this->text(key, text);
        if (text.empty()) return;
        auto seconds = parse_duration(text);
        if (!seconds || *seconds > max)
            fail(key, "expected a duration such as 90s, 30m, 2h, 7d");
        else
            out = *seconds;
    }
    void integer(std::string_view key, int& out, int min, int max) {
        note(key);
        if (auto node = take(key)) {
            auto v = node->value<std::int64_t>();
            if (!v || *v < min || *v > max)
                fail(key,
                     "expected an integer in " + std::to_string(min) + ".." + std::to_string(max));
            else
                out = static_cast<int>(*v);
        }
    }
    void boolean(std::string_view key, bool& out) {
        note(key);
        if (auto node = take(key)) {
            // as_boolean, not value<bool>: that one would also take 1 or 0.
            if (const auto* v = node->as_boolean())
                out = v->get();
            else
                fail(key, "expected true or false");
        }
    }
    const toml::node* take(std::string_view key) {
        seen_.insert(std::string(key));
        static const toml::table empty_table;
        const toml::node* node = table_.get(key);
        return node || !key_sink ? node : &empty_table;
    }
    // An array of tables ([[instance]]); while listing keys, a missing one reads as one
    // empty table.
    const toml::node* take_list(std::string_view key) {
        static const toml::array one_empty_table{toml::table{}};
        const toml::node* node = take(key);
        return key_sink && node && node->is_table() ? &one_empty_table : node;
    }
    void fail(std::string_view key, const std::string& why) {
        if (key_sink || !error_.empty()) return;
        const auto* node = table_.get(key);
        const auto line = node ? node->source().begin.line : 0;
        error_ = "line " + std::to_string(line) + ": " + prefix_ + std::string(key) + ": " + why;
    }
    void reject_unknown() {
        for (const auto& [key, node] : table_) {
            if (!seen_.count(std::string(key.str())) && error_.empty())
                error_ = "line " + std::to_string(node.source().begin.line) + ": unknown key " +
                         prefix_ + std::string(key.str());
        }
    }

  private:
    void note(std::string_view key) {
        if (key_sink) key_sink->push_back(prefix_ + std::string(key));
    }

    const toml::table& table_;
    std::string prefix_;
    std::string& error_;
    std::set<std::string> seen_;
};

void read_vpn(TableReader& top, Config& c, std::string& error) {
    const toml::node* node = top.take("vpn");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("vpn", "expected a table");
    TableReader r(*t, "vpn.", error);
    r.text("remote", c.remote);
    r.integer("port", c.port, 1, 65535);
    r.text("proto", c.proto);
    std::string pool = c.pool.to_string();
    r.text("pool", pool);
    r.integer("cert_days", c.cert_days, 1, 36500);
    r.integer("crl_days", c.crl_days, 1, 3650);
    r.reject_unknown();
    if (!error.empty()) return;
    if (c.proto != "udp" && c.proto != "tcp") r.fail("proto", "expected udp or tcp");
    auto network = net::parse_network(pool);
    if (!network || network->prefix > 29 || network->prefix < 8)
        r.fail("pool", "expected a network such as 10.8.0.0/24 (prefix 8..29)");
    else
        c.pool = *network;
}

void read_auth(TableReader& top, AuthConfig& a, std::string& error) {
    const toml::node* node = top.take("auth");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("auth", "expected a table");
    TableReader r(*t, "auth.", error);
    r.integer("max_failures", a.max_failures, 1, 1000);
    r.duration("lock_time", a.lock_seconds, 7 * 86400);
    r.duration("token_lifetime", a.token_lifetime, 366 * 86400);
    r.duration("otp_ttl", a.otp_ttl, 366 * 86400);
    r.text("static_challenge", a.static_challenge);
    r.reject_unknown();
    if (error.empty() && a.static_challenge.find_first_of("\"\n\r") != std::string::npos)
        r.fail("static_challenge", "must not contain quotes or line breaks");
}

void read_instances(TableReader& top, Config& c, std::string& error) {
    const toml::node* node = top.take_list("instance");
    if (!node) return;
    const toml::array* list = node->as_array();
    if (!list) return top.fail("instance", "expected [[instance]] tables");
    for (const auto& item : *list) {
        const toml::table* t = item.as_table();
        if (!t) return top.fail("instance", "expected [[instance]] tables");
        InstanceConfig inst;
        TableReader r(*t, "instance.", error);
        r.text("name", inst.name);
        r.text("management", inst.management_socket);
        r.text("tun", inst.tun_device);
        r.reject_unknown();
        if (!error.empty()) return;
        if (inst.management_socket.empty()) return r.fail("management", "required");
        if (inst.tun_device.size() > 15 || inst.tun_device.find_first_of(" /") != std::string::npos)
            return r.fail("tun", "expected a network interface name (at most 15 characters)");
        c.instances.push_back(inst);
    }
}

bool table_name_ok(const std::string& name) {
    if (name.empty() || name.size() > 32 || !std::isalpha(static_cast<unsigned char>(name[0])))
        return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    });
}

void read_firewall(TableReader& top, Config& c, std::string& error) {
    const toml::node* node = top.take("firewall");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("firewall", "expected a table");
    TableReader r(*t, "firewall.", error);
    r.boolean("enabled", c.firewall.enabled);
    r.text("table", c.firewall.table);
    r.boolean("remove_on_stop", c.firewall.remove_on_stop);
    r.reject_unknown();
    if (error.empty() && !table_name_ok(c.firewall.table))
        r.fail("table", "expected 1-32 letters, digits or _, starting with a letter");
}

void check_http(TableReader& r, HttpConfig& h) {
    if (auto why = http_listen_error(h.listen)) return r.fail("listen", *why);
    if (!h.public_url.empty()) {
        if (auto why = public_url_error(h.public_url)) return r.fail("public_url", *why);
        h.public_url = trim_public_url(h.public_url);
    } else if (!http_listen_off(h.listen)) {
        h.public_url = default_public_url(h.listen);
    }
    if (!h.trusted_proxy.empty() && !ip_address_text(h.trusted_proxy))
        r.fail("trusted_proxy", "expected an IP address");
}

// Runs without an [http] table too: the default listen needs its default public_url.
void read_http(TableReader& top, HttpConfig& h, std::string& error) {
    const toml::node* node = top.take("http");
    if (node && !node->as_table()) return top.fail("http", "expected a table");
    const toml::table empty;
    TableReader r(node ? *node->as_table() : empty, "http.", error);
    r.text("listen", h.listen);
    r.text("public_url", h.public_url);
    r.integer("token_attempts_per_minute", h.token_attempts_per_minute, 1, 10000);
    r.text("trusted_proxy", h.trusted_proxy);
    r.reject_unknown();
    if (error.empty()) check_http(r, h);
}

void read_metrics(TableReader& top, MetricsConfig& m, std::string& error) {
    const toml::node* node = top.take("metrics");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("metrics", "expected a table");
    TableReader r(*t, "metrics.", error);
    r.text("listen", m.listen);
    r.reject_unknown();
    if (error.empty())
        if (auto why = http_listen_error(m.listen)) r.fail("listen", *why);
}

// An IPv4 or IPv6 address as curl takes it for a host (IPv6 without brackets).
bool ip_literal(const std::string& host) {
    return host.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
}

int default_smtp_port(const std::string& security) {
    if (security == "none") return 25;
    if (security == "tls") return 465;
    return 587;
}

// Checked only when enabled, so a half-written [mail] table can wait switched off.
void check_mail(TableReader& r, MailConfig& m) {
    std::string why;
    if (m.security != "none" && m.security != "starttls" && m.security != "tls")
        return r.fail("security", "expected none, starttls or tls");
    if (m.port == 0) m.port = default_smtp_port(m.security);
    if (!m.enabled) return;
    if (m.server.empty() || (!mail::valid_domain(m.server) && !ip_literal(m.server)))
        return r.fail("server", "expected the SMTP server's host name");
    if (!mail::valid_address(m.from, why)) return r.fail("from", why);
    if (!m.operator_address.empty() && !mail::valid_address(m.operator_address, why))
        return r.fail("operator", why);
    if (!m.user.empty() && m.password_file.empty())
        return r.fail("password_file", "required with user");
    if (!m.user.empty() && m.security == "none")
        return r.fail("security",
                      "a login needs starttls or tls (the password is never sent in clear)");
    if (m.timeout < 1) return r.fail("timeout", "expected at least 1s");
}

void read_mail(TableReader& top, MailConfig& m, std::string& error) {
    const toml::node* node = top.take("mail");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("mail", "expected a table");
    TableReader r(*t, "mail.", error);
    r.boolean("enabled", m.enabled);
    r.text("server", m.server);
    r.integer("port", m.port, 1, 65535);
    r.text("security", m.security);
    r.text("user", m.user);
    r.text("password_file", m.password_file);
    r.text("ca_file", m.ca_file);
    r.text("from", m.from);
    r.text("operator", m.operator_address);
    r.duration("retry_for", m.retry_for, 30 * 86400);
    r.duration("timeout", m.timeout, 3600);
    r.reject_unknown();
    if (error.empty()) check_mail(r, m);
}

void read_monitor(TableReader& top, MonitorConfig& m, std::string& error) {
    const toml::node* node = top.take("monitor");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("monitor", "expected a table");
    TableReader r(*t, "monitor.", error);
    r.duration("offline_after", m.offline_after, 30 * 86400);
    r.reject_unknown();
}

void read_enroll(TableReader& top, EnrollConfig& e, std::string& error) {
    const toml::node* node = top.take("enroll");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("enroll", "expected a table");
    TableReader r(*t, "enroll.", error);
    std::string version;
    r.text("min_client_version", version);
    int max_pending = static_cast<int>(e.max_pending);
    r.integer("max_pending", max_pending, 1, 1000000);
    e.max_pending = static_cast<std::size_t>(max_pending);
    r.reject_unknown();
    if (!error.empty() || version.empty()) return;
    e.min_client_version = parse_version_setting(version);
    if (!e.min_client_version) r.fail("min_client_version", "expected a version like 2.5 or 2.6.8");
}

}  // namespace

bool valid_node_name(std::string_view name) {
    if (name.size() > 63) return false;
    for (const char ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
            return false;
    return true;
}

namespace {

void read_store(TableReader& top, StoreConfig& st, std::string& error) {
    const toml::node* node = top.take("store");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("store", "expected a table");
    TableReader r(*t, "store.", error);
    std::string backend = st.backend == StoreConfig::Backend::Sqlite ? "sqlite" : "postgresql";
    r.text("backend", backend);
    r.text("url", st.url);
    r.text("node", st.node);
    r.text("node_address", st.node_address);
    r.reject_unknown();
    if (!error.empty()) return;
    if (backend == "sqlite")
        st.backend = StoreConfig::Backend::Sqlite;
    else if (backend == "postgresql")
        st.backend = StoreConfig::Backend::Postgresql;
    else
        return r.fail("backend", "expected \"sqlite\" or \"postgresql\"");
    if (st.backend == StoreConfig::Backend::Postgresql && st.url.empty())
        return r.fail("url", "required with backend = \"postgresql\" (a libpq connection string)");
    if (!valid_node_name(st.node)) r.fail("node", "expected 1-63 letters, digits, '-', '_' or '.'");
}

void read_tr(TableReader& top, TrConfig& tr, std::string& error) {
    const toml::node* node = top.take("tr");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("tr", "expected a table");
    TableReader r(*t, "tr.", error);
    r.duration("resend_interval", tr.resend_interval, 7 * 86400);
    r.reject_unknown();
}

void read_log(TableReader& top, LogConfig& l, std::string& error) {
    const toml::node* node = top.take("log");
    if (!node) return;
    const toml::table* t = node->as_table();
    if (!t) return top.fail("log", "expected a table");
    TableReader r(*t, "log.", error);
    r.boolean("syslog", l.syslog);
    r.text("facility", l.facility);
    r.text("ident", l.ident);
    r.text("syslog_socket", l.syslog_socket);
    r.reject_unknown();
    if (!error.empty()) return;
    if (!syslog_facility(l.facility))
        return r.fail("facility", "expected auth, authpriv, daemon, user or local0..local7");
    if (!syslog_ident_valid(l.ident))
        return r.fail("ident", "expected 1-32 letters, digits, '.', '_' or '-'");
    if (l.syslog_socket.empty() || l.syslog_socket.front() != '/' || l.syslog_socket.size() > 107)
        r.fail("syslog_socket", "expected an absolute path (at most 107 characters)");
}

// [devices] and [pki]: small tables of device-management settings.
void read_device_settings(TableReader& top, Config& c, std::string& error) {
    if (const toml::node* node = top.take("devices"); node && error.empty()) {
        const toml::table* t = node->as_table();
        if (!t) return top.fail("devices", "expected a table");
        TableReader r(*t, "devices.", error);
        r.text("default_code", c.default_device_code);
        r.reject_unknown();
    }
    if (const toml::node* node = top.take("pki"); node && error.empty()) {
        const toml::table* t = node->as_table();
        if (!t) return top.fail("pki", "expected a table");
        TableReader r(*t, "pki.", error);
        r.integer("expiry_warning_days", c.expiry_warning_days, 0, 3650);
        r.reject_unknown();
    }
}

template <typename Quote>
void render_http(std::ostream& out, const HttpConfig& h, const Quote& quoted) {
    out << "\n# The time-restricted-access confirmation page (\"off\": none). Put a TLS reverse\n"
        << "# proxy in front of it and set public_url to its address (wardend.conf(5)).\n"
        << "[http]\nlisten = " << quoted(h.listen) << "\n";
    if (h.public_url.empty() || h.public_url == default_public_url(h.listen))
        out << "# public_url = \"https://vpn.example.org/warden\"\n";
    else
        out << "public_url = " << quoted(h.public_url) << "\n";
    if (h.trusted_proxy.empty())
        out << "# trusted_proxy = \"127.0.0.1\"\n";
    else
        out << "trusted_proxy = " << quoted(h.trusted_proxy) << "\n";
    out << "token_attempts_per_minute = " << h.token_attempts_per_minute << "\n";
}

}  // namespace

ConfigResult parse_config(std::string_view text) {
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& err) {
        return {std::nullopt, "line " + std::to_string(err.source().begin.line) + ": " +
                                  std::string(err.description())};
    }
    Config c;
    std::string error;
    TableReader r(root, "", error);
    r.text("state_dir", c.state_dir);
    r.text("plugin_socket", c.plugin_socket);
    r.text("plugin_socket_group", c.plugin_socket_group);
    r.text("plugin_socket_user", c.plugin_socket_user);
    r.text("admin_socket", c.admin_socket);
    r.text("admin_group", c.admin_group);
    r.text("viewer_group", c.viewer_group);
    r.integer("admin_max_connections", c.admin_max_connections, 1, 100000);
    r.integer("admin_max_connections_per_user", c.admin_max_connections_per_user, 1, 100000);
    r.duration("admin_idle_timeout", c.admin_idle_timeout, 86400);
    if (error.empty() && c.admin_idle_timeout < 1)
        r.fail("admin_idle_timeout", "expected a duration of at least 1s");
    r.text("log_level", c.log_level);
    read_log(r, c.log, error);
    r.integer("management_poll_ms", c.management_poll_ms, 50, 60000);
    read_vpn(r, c, error);
    read_instances(r, c, error);
    read_device_settings(r, c, error);
    read_auth(r, c.auth, error);
    read_firewall(r, c, error);
    read_http(r, c.http, error);
    read_metrics(r, c.metrics, error);
    read_mail(r, c.mail, error);
    read_monitor(r, c.monitor, error);
    read_enroll(r, c.enroll, error);
    read_store(r, c.store, error);
    read_tr(r, c.tr, error);
    if (const toml::node* testing = r.take("testing"); testing && error.empty()) {
        if (const toml::table* t = testing->as_table()) {
            TableReader tr(*t, "testing.", error);
            tr.integer("verdict_delay_ms", c.testing_verdict_delay_ms, 0, 60000);
            tr.boolean("clock_control", c.testing_clock_control);
            tr.reject_unknown();
        } else {
            r.fail("testing", "expected a table");
        }
    }
    r.reject_unknown();
    if (error.empty() && c.mail.port == 0) c.mail.port = default_smtp_port(c.mail.security);
    if (error.empty() && c.remote.empty()) error = "line 0: vpn.remote: required";
    if (error.empty() && c.state_dir.empty()) error = "line 0: state_dir: must not be empty";
    if (!error.empty()) return {std::nullopt, error};
    return {c, {}};
}

std::vector<std::string> config_keys() {
    std::vector<std::string> keys;
    struct Listing {  // the parser judges values again however this ends
        explicit Listing(std::vector<std::string>& out) { key_sink = &out; }
        ~Listing() { key_sink = nullptr; }
    } listing(keys);
    parse_config("");
    return keys;
}

ConfigResult load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {std::nullopt, "cannot read " + path};
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str());
}

std::string render_config(const Config& c) {
    auto quoted = [](const std::string& s) {
        toml::value<std::string> v(s);
        std::stringstream ss;
        ss << v;
        return ss.str();
    };
    std::ostringstream out;
    out << "# wardend configuration (TOML). See wardend.conf(5).\n"
        << "state_dir = " << quoted(c.state_dir) << "\n"
        << "plugin_socket = " << quoted(c.plugin_socket) << "\n"
        << "# When OpenVPN drops privileges (user/group in server.conf), its plugin reconnects\n"
        << "# as that user: let it in (the socket is root-only otherwise).\n"
        << "# plugin_socket_user = \"nobody\"\n"
        << "# plugin_socket_group = \"nogroup\"\n"
        << "admin_socket = " << quoted(c.admin_socket) << "\n"
        << "admin_group = " << quoted(c.admin_group) << "\n"
        << "viewer_group = " << quoted(c.viewer_group) << "\n"
        << "admin_max_connections = " << c.admin_max_connections << "\n"
        << "admin_max_connections_per_user = " << c.admin_max_connections_per_user << "\n"
        << "admin_idle_timeout = " << quoted(exact_duration(c.admin_idle_timeout)) << "\n"
        << "log_level = " << quoted(c.log_level) << "\n\n"
        << "# The activity log (wardenctl log) also to syslog, one line per committed entry\n"
        << "# (e.g. for a SIEM). authpriv lands in /var/log/auth.log (root and adm only).\n"
        << "[log]\nsyslog = " << (c.log.syslog ? "true" : "false") << "\n"
        << "facility = " << quoted(c.log.facility) << "\n"
        << "ident = " << quoted(c.log.ident) << "\n"
        << "syslog_socket = " << quoted(c.log.syslog_socket) << "\n\n"
        << "[vpn]\n"
        << "remote = " << quoted(c.remote) << "\n"
        << "port = " << c.port << "\n"
        << "proto = " << quoted(c.proto) << "\n"
        << "pool = " << quoted(c.pool.to_string()) << "\n"
        << "cert_days = " << c.cert_days << "\n"
        << "crl_days = " << c.crl_days << "\n\n"
        << "[auth]\n"
        << "max_failures = " << c.auth.max_failures << "\n"
        << "lock_time = " << quoted(exact_duration(c.auth.lock_seconds)) << "\n"
        << "# server.conf's auth-gen-token lifetime must match (wardend init writes both)\n"
        << "token_lifetime = " << quoted(exact_duration(c.auth.token_lifetime)) << "\n"
        << "otp_ttl = " << quoted(exact_duration(c.auth.otp_ttl)) << "\n"
        << "static_challenge = " << quoted(c.auth.static_challenge) << "\n\n"
        << "# [devices]\n# default_code = \"...\"    # device code of routers added without "
           "--code\n"
        << "[pki]\nexpiry_warning_days = " << c.expiry_warning_days << "\n"
        << "\n# nftables table of the communication rules, in wardend's network namespace.\n"
        << "# On stop it stays in force (fail closed) unless remove_on_stop = true.\n"
        << "[firewall]\n"
        << "enabled = " << (c.firewall.enabled ? "true" : "false") << "\n"
        << "table = " << quoted(c.firewall.table) << "\n"
        << "remove_on_stop = " << (c.firewall.remove_on_stop ? "true" : "false") << "\n"
        << "\n# Availability alerts: a monitored device offline this long is reported by mail.\n"
        << "[monitor]\noffline_after = " << quoted(exact_duration(c.monitor.offline_after)) << "\n"
        << "\n# Devices that bring their own certificate (wardenctl enroll/pending): clients\n"
        << "# older than min_client_version (their IV_VER) are refused with \"update required\".\n"
        << "[enroll]\n# min_client_version = \"2.5\"\nmax_pending = " << c.enroll.max_pending
        << "\n"
        << "\n# The state: sqlite (STATE_DIR/warden.db, one server) or one PostgreSQL database\n"
        << "# shared by several servers (url: a libpq connection string; password in ~/.pgpass).\n"
        << "[store]\nbackend = "
        << quoted(c.store.backend == StoreConfig::Backend::Sqlite ? "sqlite" : "postgresql")
        << "\n";
    if (!c.store.url.empty()) out << "url = " << quoted(c.store.url) << "\n";
    if (!c.store.node.empty()) out << "node = " << quoted(c.store.node) << "\n";
    if (!c.store.node_address.empty())
        out << "node_address = " << quoted(c.store.node_address) << "\n";
    render_http(out, c.http, quoted);
    out << "\n# Prometheus metrics at http://LISTEN/metrics (\"off\": none). Plain HTTP, no "
           "login:\n"
        << "# listen on loopback or a management network only, e.g. \"127.0.0.1:9487\".\n"
        << "[metrics]\nlisten = " << quoted(c.metrics.listen) << "\n";
    for (const auto& inst : c.instances) {
        out << "\n[[instance]]\nname = " << quoted(inst.name)
            << "\nmanagement = " << quoted(inst.management_socket) << "\n";
        if (!inst.tun_device.empty()) out << "tun = " << quoted(inst.tun_device) << "\n";
    }
    return out.str();
}

}  // namespace warden::core

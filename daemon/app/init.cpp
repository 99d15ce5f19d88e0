#include "daemon/app/init.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <filesystem>

#include "common/text.hpp"
#include "daemon/app/subprocess.hpp"
#include "daemon/control/authority.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/duration.hpp"
#include "daemon/pki/pki.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {
namespace fs = std::filesystem;

namespace {

// Splits "host[:port]"; returns an error text.
std::string split_remote(const std::string& remote, std::string& host, int& port) {
    host = remote;
    const auto colon = remote.rfind(':');
    if (colon == std::string::npos || remote.find(':') != colon) return {};  // no port, or IPv6
    host = remote.substr(0, colon);
    const std::string p = remote.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || ptr != p.data() + p.size() || port < 1 || port > 65535)
        return "--remote: bad port " + p;
    return {};
}

// Session tokens (SPEC §3): after a login with a code OpenVPN hands the client a token it
// presents on renegotiation and short reconnects instead of the code. external-auth makes
// OpenVPN still ask the plugin (with session_state), so the daemon keeps the last word.
std::string auth_token_conf(const std::string& pki_dir, std::int64_t lifetime) {
    return "# Two-factor logins: renegotiation and short reconnects use a session token.\n"
           "auth-gen-token " +
           std::to_string(lifetime) +
           " external-auth\n"
           "auth-gen-token-secret " +
           pki_dir + "/auth-token.key\n";
}

// The groups whose members may use wardenctl; only root can create them (anyone else
// gets a note: the operator creates them, or runs init as root).
std::string ensure_group(const std::string& name) {
    if (name.empty() || ::getgrnam(name.c_str()) != nullptr) return {};
    if (::geteuid() != 0) return {};
    const ProcessResult r = run_process({"groupadd", "--system", name});
    if (r.exit_code != 0) {
        std::string why = r.err;
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        return "cannot create group " + name + ": " + why;
    }
    return {};
}

// Restores the umask when init returns, whichever way.
struct UmaskScope {
    mode_t old;
    explicit UmaskScope(mode_t mask) : old(::umask(mask)) {}
    ~UmaskScope() { ::umask(old); }
};

}  // namespace

std::string render_server_conf(const core::Config& config, const std::string& plugin_path) {
    const std::string& dir = config.state_dir;
    const core::InstanceConfig& instance = config.instances.at(0);
    const std::string& proto = config.proto;
    std::string c;
    c += "# OpenVPN 2.6 server for warden (written by wardend init).\n";
    c += "# Every client is admitted by the warden plugin, which also assigns its address.\n";
    c += "port " + std::to_string(config.port) + "\n";
    c += "proto " + proto + "\n";
    c += "# A fixed device name: wardend routes routers' networks into it.\n";
    c += "dev " + (instance.tun_device.empty() ? "tun" : instance.tun_device) +
         "\ndev-type tun\ntopology subnet\n";
    c += "server " + net::format_ipv4(config.pool.address) + " " +
         net::format_ipv4(config.pool.netmask()) + " nopool\n";
    c += "keepalive 10 60\n";
    c += "# warden's CA and the CAs trusted for enrollment (wardenctl enroll ca): wardend\n";
    c += "# rewrites this file, OpenVPN reads it when it starts.\n";
    c += "ca " + dir + "/pki/ca-bundle.pem\ncert " + dir + "/pki/server.crt\nkey " + dir +
         "/pki/server.key\n";
    c += "dh none\ntls-crypt " + dir + "/pki/tls-crypt.key\n";
    c += "# Revocation: a file named by a certificate's serial (decimal) in this folder refuses\n";
    c += "# it, whichever trusted CA issued it; wardend keeps the folder equal to its database.\n";
    c +=
        "# Not crl.pem: it revokes only certificates of warden's own CA, and once its nextUpdate\n";
    c += "# passes (wardend down for weeks) OpenVPN would refuse every client.\n";
    c += "crl-verify " + dir + "/pki/revoked dir\n";
    c += "remote-cert-tls client\n";
    c +=
        "# Username/password (TOTP, one-time codes) are optional per device; the plugin decides.\n";
    c += "auth-user-pass-optional\n";
    c += "plugin " + plugin_path + " socket=" + config.plugin_socket +
         " instance=" + instance.name + "\n";
    c += "management " + instance.management_socket + " unix\n";
    c += "# No client-to-client: traffic between clients crosses the kernel, where warden's\n";
    c += "# nftables rules decide.\n";
    if (proto == "udp") c += "explicit-exit-notify 1\n";
    c += "# OpenVPN writes files for the plugin on every connect (auth control, client config);\n";
    c += "# in memory they cost its one thread microseconds, on a journaled disk (/tmp) about a\n";
    c += "# millisecond per client in a storm of connects.\n";
    c += "tmp-dir /dev/shm\n";
    c += "persist-key\npersist-tun\nverb 3\n";
    return c;
}

InitLayout init_layout(const InitOptions& o) {
    InitLayout l;
    if (o.dir.empty()) {
        l.state_dir = "/var/lib/warden";
        l.config_file = "/etc/warden/wardend.conf";
        l.run_dir = "/run/warden";
        // openvpn-server@warden.service runs `openvpn --config warden.conf` in this folder.
        l.server_conf = "/etc/openvpn/server/warden.conf";
        // OpenVPN's runtime folder (0710 root, Debian's tmpfiles.d/openvpn.conf).
        l.management_socket = "/run/openvpn-server/warden.mgmt";
    } else {
        l.state_dir = o.dir;
        l.config_file = o.dir + "/wardend.conf";
        l.run_dir = o.dir + "/run";
        l.server_conf = o.dir + "/server.conf";
        l.management_socket = o.dir + "/openvpn-" + o.instance + ".mgmt";
    }
    if (!o.run_dir.empty()) l.run_dir = o.run_dir;
    return l;
}

std::string run_init(const InitOptions& o) {
    if (o.remote.empty()) return "--remote is required";
    if (o.proto != "udp" && o.proto != "tcp") return "--proto: must be udp or tcp";
    auto pool = net::parse_network(o.pool);
    if (!pool || pool->prefix > 29 || pool->prefix < 8)
        return "--pool: expected a network such as 10.8.0.0/24";
    const UmaskScope private_files(077);  // keys, database, configs: 0600 / 0700
    std::error_code ec;
    InitOptions absolute = o;  // paths in the configs are absolute: wardend's cwd is "/"
    if (!o.dir.empty()) {
        fs::create_directories(o.dir, ec);
        if (ec) return "--dir: cannot create " + o.dir + ": " + ec.message();
        absolute.dir = fs::canonical(o.dir).string();
    }
    const InitLayout layout = init_layout(absolute);
    fs::create_directories(layout.state_dir, ec);
    if (ec) return "cannot create " + layout.state_dir + ": " + ec.message();
    const std::string dir = fs::canonical(layout.state_dir).string();
    if (fs::exists(dir + "/warden.db") && !o.force)
        return dir + " already holds a warden state (use --force)";
    const std::string run_dir = fs::absolute(layout.run_dir).string();
    // Search-only for others when the sockets are inside: they reach run/ (the admin
    // socket) and nothing else, as every secret below has its own 0600/0700 mode.
    const bool sockets_inside = run_dir.rfind(dir + "/", 0) == 0;
    ::chmod(dir.c_str(), sockets_inside ? 0711 : 0700);
    fs::create_directories(run_dir, ec);
    if (ec) return "--run-dir: cannot create " + run_dir + ": " + ec.message();
    ::chmod(run_dir.c_str(), 0755);
    for (const std::string& file : {layout.config_file, layout.server_conf}) {
        // /etc/warden and /etc/openvpn/server exist once the packages are installed.
        fs::create_directories(fs::path(file).parent_path(), ec);
        if (ec) return "cannot create the folder of " + file + ": " + ec.message();
    }
    for (const auto* group : {&o.admin_group, &o.viewer_group})
        if (auto err = ensure_group(*group); !err.empty()) return err;

    core::Config config;
    config.state_dir = dir;
    config.plugin_socket = run_dir + "/plugin.sock";
    config.admin_socket = run_dir + "/admin.sock";
    config.admin_group = o.admin_group;
    config.viewer_group = o.viewer_group;
    config.proto = o.proto;
    config.pool = *pool;
    if (auto err = split_remote(o.remote, config.remote, config.port); !err.empty()) return err;
    const auto lifetime = core::parse_duration(o.token_lifetime);
    if (!lifetime || *lifetime < 60)
        return "--token-lifetime: expected a duration of at least 1m such as 12h";
    config.auth.token_lifetime = *lifetime;
    // Interface names have at most 15 characters.
    config.instances.push_back(
        {o.instance, layout.management_socket, ("tun-" + o.instance).substr(0, 15)});

    const std::int64_t now = std::time(nullptr);
    control::Authority::create(config.pki_dir(), "warden CA", config.cert_days, config.crl_days,
                               now);
    auto opened = store::open_sqlite(config.database_path());
    if (!opened.store) return opened.error;
    ::chmod(config.database_path().c_str(), 0600);  // --force over an older, laxer file
    if (auto err = text::write_file_atomic(config.pki_dir() + "/auth-token.key",
                                           pki::generate_auth_token_key(), 0600);
        !err.empty())
        return err;
    if (auto out = opened.store->set_license_seats("default", o.seats); !out.ok())
        return "--seats: " + out.message;

    std::string plugin = o.plugin_path.empty()
                             ? "/usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-warden.so"
                             : fs::absolute(o.plugin_path).string();
    const std::string server_conf = render_server_conf(config, plugin) +
                                    auth_token_conf(config.pki_dir(), config.auth.token_lifetime);
    if (auto err = text::write_file_atomic(layout.server_conf, server_conf, 0600); !err.empty())
        return err;
    if (auto err = text::write_file_atomic(layout.config_file, core::render_config(config), 0600);
        !err.empty())
        return err;
    return {};
}

}  // namespace warden::app

// `wardend init`: a new state folder with CA, server certificate, tls-crypt key, CRL,
// database, wardend.conf and an OpenVPN server.conf that loads the plugin.
#pragma once

#include <string>

#include "daemon/core/config.hpp"

namespace warden::app {

struct InitOptions {
    // State folder holding everything (wardend.conf, server.conf, warden.db, pki/, run/):
    // tests and demos. Empty: the FHS layout of the package (see InitLayout).
    std::string dir;
    // Folder of admin.sock and plugin.sock (default DIR/run): apart from the secrets, so
    // the admin groups can reach admin.sock while DIR stays closed to them.
    std::string run_dir;
    std::string admin_group = "warden-admin";  // created (groupadd --system) when missing
    std::string viewer_group = "warden-view";
    std::string remote;  // HOST or HOST:PORT clients connect to
    std::string proto = "udp";
    std::string pool = "10.8.0.0/24";
    std::string plugin_path;  // openvpn-plugin-warden.so to load
    std::string instance = "default";
    std::string token_lifetime = "12h";  // auth-gen-token lifetime (renegotiation without a code)
    long long seats = 1000;              // seats of the license `default`, which new devices take
    bool force = false;                  // overwrite an existing state folder
};

// Where init puts each thing. With --dir DIR all of it is in DIR (sockets in DIR/run); without,
// the packaged layout (SPEC §10): /etc/warden/wardend.conf, /var/lib/warden (warden.db, pki/),
// /run/warden (sockets) and OpenVPN's /etc/openvpn/server/warden.conf with its management
// socket in /run/openvpn-server, so `systemctl enable --now wardend openvpn-server@warden`
// starts both. --run-dir overrides the socket folder in either case.
struct InitLayout {
    std::string state_dir;
    std::string config_file;        // wardend.conf
    std::string run_dir;            // admin.sock, plugin.sock
    std::string server_conf;        // OpenVPN's configuration
    std::string management_socket;  // OpenVPN's `management ... unix`, of the first instance
};
InitLayout init_layout(const InitOptions& options);

// Returns an error text (empty on success). Refuses to overwrite an existing database.
// Everything is created with umask 077; the state folder is 0711 when the socket folder is
// inside it (others may pass through to run/, not list it), else 0700; run/ is 0755. As root,
// missing admin/viewer groups are created.
std::string run_init(const InitOptions& options);

// The OpenVPN server configuration for `config`'s first instance.
std::string render_server_conf(const core::Config& config, const std::string& plugin_path);

}  // namespace warden::app

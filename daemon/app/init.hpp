// `wardend init`: a new state folder with CA, server certificate, tls-crypt key, CRL,
// database, wardend.conf and an OpenVPN server.conf that loads the plugin.
#pragma once

#include <string>

#include "daemon/core/config.hpp"

namespace warden::app {

struct InitOptions {
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

// Returns an error text (empty on success). Refuses to overwrite an existing database.
// Everything is created with umask 077; DIR itself is 0711 (others may pass through to
// run/, not list it) and run/ 0755. As root, missing admin/viewer groups are created.
std::string run_init(const InitOptions& options);

// The OpenVPN server configuration for `config`'s first instance.
std::string render_server_conf(const core::Config& config, const std::string& plugin_path);

}  // namespace warden::app

// `wardend init`: a new state folder with CA, server certificate, tls-crypt key, CRL,
// database, wardend.conf and an OpenVPN server.conf that loads the plugin.
#pragma once

#include <string>

#include "daemon/core/config.hpp"

namespace warden::app {

struct InitOptions {
    std::string dir;
    std::string remote;  // HOST or HOST:PORT clients connect to
    std::string proto = "udp";
    std::string pool = "10.8.0.0/24";
    std::string plugin_path;  // openvpn-plugin-warden.so to load
    std::string instance = "default";
    std::string token_lifetime = "12h";  // auth-gen-token lifetime (renegotiation without a code)
    long long seats = 1000;  // seats of the license `default`, which new devices take
    bool force = false;  // overwrite an existing state folder
};

// Returns an error text (empty on success). Refuses to overwrite an existing database.
std::string run_init(const InitOptions& options);

// The OpenVPN server configuration for `config`'s first instance.
std::string render_server_conf(const core::Config& config, const std::string& plugin_path);

}  // namespace warden::app

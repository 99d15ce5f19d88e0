// wardend: `wardend --config FILE` runs the daemon; `wardend init ...` creates a state;
// `wardend --check-config` validates the configuration (the unit's ExecStartPre=).
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/log.hpp"
#include "daemon/app/check_config.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/init.hpp"
#include "daemon/app/migrate_cmd.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/config_reload.hpp"

using namespace warden;

namespace {

int run(int argc, char** argv) {
    CLI::App app{"wardend: the warden daemon"};
    std::string config_path = "/etc/warden/wardend.conf";
    app.add_option("-c,--config", config_path, "configuration file");
    bool check_only = false;
    app.add_flag("--check-config", check_only,
                 "validate the configuration and the state it names, then exit (0 valid, 1 not)");

    app::InitOptions init;
    CLI::App* init_cmd =
        app.add_subcommand("init", "create CA, database, wardend.conf and OpenVPN server.conf");
    init_cmd->add_option("--dir", init.dir,
                         "one folder for everything (default: /etc/warden, /var/lib/warden, "
                         "/run/warden, /etc/openvpn/server/warden.conf)");
    init_cmd->add_option("--remote", init.remote, "HOST[:PORT] clients connect to")->required();
    init_cmd->add_option("--proto", init.proto, "udp or tcp")->check(CLI::IsMember({"udp", "tcp"}));
    init_cmd->add_option("--pool", init.pool, "VPN address pool (CIDR)");
    init_cmd->add_option("--plugin", init.plugin_path,
                         "path of openvpn-plugin-warden.so for server.conf");
    init_cmd->add_option("--token-lifetime", init.token_lifetime,
                         "how long a login lasts across renegotiations (e.g. 12h)");
    init_cmd
        ->add_option("--seats", init.seats,
                     "seats of the license `default` that new devices take (default 1000)")
        ->check(CLI::Range(1LL, 10'000'000LL));
    init_cmd->add_flag("--force", init.force, "overwrite an existing state");
    init_cmd->add_option("--run-dir", init.run_dir,
                         "folder of admin.sock and plugin.sock (default DIR/run)");
    init_cmd->add_option("--admin-group", init.admin_group,
                         "group whose members may change things (created when missing)");
    init_cmd->add_option("--viewer-group", init.viewer_group,
                         "group whose members may read (created when missing)");
    std::string migrate_to;
    CLI::App* migrate_cmd = app.add_subcommand(
        "migrate-store", "copy the SQLite state into an empty PostgreSQL database, checked");
    migrate_cmd->add_option("--to", migrate_to, "libpq connection string or postgresql:// URL")
        ->required();
    migrate_cmd->add_option("-c,--config", config_path, "configuration file");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    if (*init_cmd) {
        if (auto err = app::run_init(init); !err.empty()) {
            std::cerr << "wardend init: " << err << '\n';
            return 1;
        }
        const app::InitLayout made = app::init_layout(init);
        std::cout << "created " << made.config_file << ", " << made.server_conf << ", "
                  << made.state_dir << "/pki/, " << made.state_dir << "/warden.db\n";
        return 0;
    }
    if (*migrate_cmd) return app::run_migrate_store(config_path, migrate_to);
    if (check_only) {
        if (auto why = app::check_config(config_path); !why.empty()) {
            std::cerr << "wardend: invalid configuration: " << why << '\n';
            return 1;
        }
        std::cout << "wardend: " << config_path << " is valid\n";
        return 0;
    }

    auto loaded = core::load_config(config_path);
    if (!loaded.config) {
        log::error("invalid configuration", {{"file", config_path}, {"error", loaded.error}});
        return 2;
    }
    log::set_min_level(core::log_level_of(loaded.config->log_level));
    return app::run_daemon(*loaded.config, config_path);
}

}  // namespace

int main(int argc, char** argv) {
    log::set_prefix("wardend");
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        log::error("wardend failed", {{"error", e.what()}});
        return 1;
    }
}

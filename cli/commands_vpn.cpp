// vpn status / restart, backup (daemon/control/commands_vpn.cpp).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "cli/client.hpp"
#include "cli/commands.hpp"

namespace warden::cli {
namespace {

int print_instances(const json::value& v, const Options& o) {
    if (o.json_output || !v.is_array()) return print_any(v, o);
    for (const auto& i : v.get_array()) {
        const auto& obj = i.as_object();
        std::cout << plain(obj.at("name")) << ": management " << plain(obj.at("management")) << ", "
                  << plain(obj.at("sessions")) << " sessions\n";
        if (const auto* log = obj.if_contains("recent_log"))
            for (const auto& line : log->as_array()) std::cout << "  " << plain(line) << '\n';
    }
    return kDone;
}

}  // namespace

void define_vpn_commands(CLI::App& app, Invocation& inv, Options& o) {
    CLI::App* vpn = family(app, "vpn", "OpenVPN instances");
    leaf(*vpn, "status", "instances, management connection, sessions, recent log", inv,
         "vpn.status", [&o](const json::value& v) { return print_instances(v, o); });
    arg(leaf(*vpn, "restart", "restart OpenVPN (SIGHUP through the management interface)", inv,
             "vpn.restart",
             rows_printer(
                 o, {{"instance", "INSTANCE"}, {"restarting", "RESTARTING"}, {"error", "ERROR"}})),
        "instance", "instance", inv, "instance (default: all)");

    // main.cpp sends backup with the file wardenctl opened (cli/backup.hpp).
    auto* backup =
        leaf(app, "backup", "online copy of the database, checked", inv, "backup", any_printer(o));
    backup
        ->add_option_function<std::string>(
            "file",
            [&inv](const std::string& v) {
                inv.args["file"] = std::filesystem::absolute(v).lexically_normal().string();
            },
            "file to write, opened by wardenctl as you (refused if it exists)")
        ->required();
    backup->add_flag_callback(
        "--force", [&inv] { inv.args["force"] = true; }, "replace an existing file");
}

}  // namespace warden::cli

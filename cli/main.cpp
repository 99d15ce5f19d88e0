// wardenctl: a thin client. Each subcommand maps to one daemon command of the same
// name ("device add" -> "device.add"); the daemon validates, this only shapes output.
// The subcommands are declared per family in cli/commands_*.cpp; this file wires them,
// parses, sends the request and prints the reply.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/backup.hpp"
#include "cli/client.hpp"
#include "cli/commands.hpp"

using namespace warden::cli;

namespace {

// In the order `wardenctl --help` lists them.
void define_commands(CLI::App& app, Invocation& inv, Options& o) {
    define_status_commands(app, inv, o);
    define_testing_commands(app, inv, o);
    define_device_commands(app, inv, o);
    define_group_commands(app, inv, o);
    define_cert_commands(app, inv, o);
    define_pki_commands(app, inv, o);
    define_session_commands(app, inv, o);
    define_license_commands(app, inv, o);
    define_log_commands(app, inv, o);
    define_vpn_commands(app, inv, o);
    define_totp_commands(app, inv, o);
    define_otp_commands(app, inv, o);
    define_mail_commands(app, inv, o);
    define_tr_commands(app, inv, o);
    define_enroll_commands(app, inv, o);
}

int run(int argc, char** argv) {
    CLI::App app{
        "wardenctl: administer warden (exit: 0 done, 1 refused, 2 usage, 3 daemon unreachable, 4 "
        "denied)"};
    app.require_subcommand(1);
    Options o;
    if (const char* env = std::getenv("WARDEN_SOCKET")) o.socket = env;
    app.add_option("--socket", o.socket, "admin socket of wardend");
    app.add_flag("--json", o.json_output, "print results as JSON");
    app.fallthrough();
    Invocation inv;
    define_commands(app, inv, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? kDone : kUsage;
    }
    if (inv.command.empty()) {
        std::cerr << app.help();
        return kUsage;
    }
    if (!o.key_password_file.empty() && !read_key_password(o.key_password_file, inv.args))
        return kRefused;
    if (!o.pem_file.empty() && !read_pem_file(o.pem_file, inv.args)) return kRefused;
    // backup: wardenctl opens the file as the caller and sends the descriptor.
    Response r = inv.command == "backup"
                     ? backup_to_file(o.socket, std::string(inv.args.at("file").as_string()),
                                      inv.args.contains("force"))
                     : call(o.socket, inv.command, inv.args);
    if (r.exit_code != kDone) {
        std::cerr << "wardenctl: " << r.message << '\n';
        return r.exit_code;
    }
    return inv.print(r.result);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "wardenctl: " << e.what() << '\n';
        return kRefused;
    }
}

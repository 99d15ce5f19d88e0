// totp setup / confirm / reset / off / show / unlock, device password, group
// require-totp (daemon/control/commands_totp.cpp).
#include <CLI/CLI.hpp>

#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/two_factor.hpp"

namespace warden::cli {

void define_totp_commands(CLI::App& app, Invocation& inv, Options& o) {
    static std::string png_file;  // outlives parsing: read by the print callback
    const Printer any = any_printer(o);
    auto secret = [&o](const json::value& v) {
        return print_totp_secret(v, o.json_output, png_file);
    };

    CLI::App* totp = family(app, "totp", "TOTP two-factor logins of pcs");
    auto* setup =
        leaf(*totp, "setup", "new TOTP secret: URI and QR code", inv, "totp.setup", secret);
    arg(setup, "name", "name", inv, "device name", true);
    setup->add_option("--png", png_file, "also write the QR code as a PNG file");
    auto* confirm =
        leaf(*totp, "confirm", "enforce TOTP after checking a code", inv, "totp.confirm", any);
    arg(confirm, "name", "name", inv, "device name", true);
    arg(confirm, "code", "code", inv, "current code from the app", true);
    auto* reset = leaf(*totp, "reset", "new secret (confirm again)", inv, "totp.reset", secret);
    arg(reset, "name", "name", inv, "device name", true);
    reset->add_option("--png", png_file, "also write the QR code as a PNG file");
    arg(leaf(*totp, "off", "turn TOTP off", inv, "totp.off", any), "name", "name", inv,
        "device name", true);
    arg(leaf(*totp, "show", "TOTP, password and lock state", inv, "totp.show", any), "name", "name",
        inv, "device name", true);
    arg(leaf(*totp, "unlock", "lift the lock after failed logins", inv, "totp.unlock", any), "name",
        "name", inv, "device name", true);

    CLI::App* device = family(app, "device", "manage devices");
    auto* password = leaf(*device, "password", "set or clear a device's static login password", inv,
                          "device.password", any);
    arg(password, "name", "name", inv, "device name", true);
    password->add_option_function<std::string>(
        "--file",
        [&inv](const std::string& path) {
            std::string error;
            auto pw = read_secret_file(path, error);
            if (!pw) throw std::runtime_error(error);
            inv.args["password"] = *pw;
        },
        "file whose first line is the password");
    password->add_flag_callback(
        "--clear", [&inv] { inv.args["clear"] = true; }, "remove the password");

    CLI::App* group = family(app, "group", "manage groups");
    auto* require = leaf(*group, "require-totp", "require TOTP for the group's pcs", inv,
                         "group.require-totp", any);
    arg(require, "group", "group", inv, "group name", true);
    arg(require, "state", "state", inv, "on or off", true);
}

}  // namespace warden::cli

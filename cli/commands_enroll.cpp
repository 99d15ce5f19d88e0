// enroll ca add / list / delete, pending list / accept / reject, rejected list / clear,
// device reset-auth (daemon/control/commands_enroll.cpp, commands_pending.cpp).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"

namespace warden::cli {
namespace {

constexpr const char* kFingerprintHelp =
    "SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it (colons optional)";

void define_ca_commands(CLI::App& app, Invocation& inv, Options& o) {
    const Printer any = any_printer(o);
    CLI::App* enroll = family(app, "enroll", "CAs whose certificates may enroll by fingerprint");
    CLI::App* ca = enroll->add_subcommand("ca", "trusted enrollment CAs");
    ca->require_subcommand(1);
    auto* add = leaf(*ca, "add", "trust a CA for enrollment (OpenVPN: after `vpn restart`)", inv,
                     "enroll.ca.add", any);
    arg(add, "name", "name", inv, "a name for the CA", true);
    add->add_option("file", o.pem_file, "the CA certificate (PEM)")->required();
    leaf(*ca, "list", "trusted enrollment CAs", inv, "enroll.ca.list",
         rows_printer(o, {{"name", "NAME"},
                          {"subject", "SUBJECT"},
                          {"not_after", "NOT AFTER"},
                          {"fingerprint", "FINGERPRINT"}}));
    arg(leaf(*ca, "delete", "stop trusting a CA: its devices are refused", inv, "enroll.ca.delete",
             any),
        "name", "name", inv, "the CA's name", true);
}

void define_decisions(CLI::App& app, Invocation& inv, Options& o) {
    const Printer any = any_printer(o);
    CLI::App* pending = family(app, "pending", "certificates waiting for authorization");
    leaf(*pending, "list", "certificates waiting for a decision (or a client update)", inv,
         "pending.list",
         rows_printer(o, {{"fingerprint", "FINGERPRINT"},
                          {"state", "STATE"},
                          {"common_name", "CN"},
                          {"serial", "SERIAL"},
                          {"ca", "CA"},
                          {"not_after", "NOT AFTER"},
                          {"address", "ADDRESS"},
                          {"client_version", "CLIENT"},
                          {"platform", "PLATFORM"},
                          {"first_seen", "FIRST SEEN"},
                          {"last_seen", "LAST SEEN"},
                          {"attempts", "ATTEMPTS"}}));
    auto* accept =
        leaf(*pending, "accept", "accept: a new device (--name, options of device add) or --device",
             inv, "pending.accept", any);
    arg(accept, "fingerprint", "fingerprint", inv, kFingerprintHelp, true);
    arg(accept, "--name", "name", inv, "name of the new device");
    arg(accept, "--device", "device", inv, "bind to this existing device instead");
    arg(accept, "--license", "license", inv, "license whose seat it takes (default: default)");
    device_options(accept, inv, o);
    arg(leaf(*pending, "reject", "reject: refused silently from now on", inv, "pending.reject",
             any),
        "fingerprint", "fingerprint", inv, kFingerprintHelp, true);

    CLI::App* rejected = family(app, "rejected", "rejected certificates");
    leaf(*rejected, "list", "rejected certificates and their attempts since", inv, "rejected.list",
         rows_printer(o, {{"fingerprint", "FINGERPRINT"},
                          {"common_name", "CN"},
                          {"ca", "CA"},
                          {"rejected_at", "REJECTED"},
                          {"rejected_by", "BY"},
                          {"attempts", "ATTEMPTS"},
                          {"last_seen", "LAST SEEN"}}));
    auto* clear = leaf(*rejected, "clear", "forget a rejection: pending again on its next attempt",
                       inv, "rejected.clear", any);
    arg(clear, "fingerprint", "fingerprint", inv, kFingerprintHelp);
    auto* all = clear->add_flag_callback(
        "--all", [&inv] { inv.args["all"] = true; }, "forget every rejection");
    all->excludes(clear->get_option("fingerprint"));

    CLI::App* device = family(app, "device", "manage devices");
    arg(leaf(*device, "reset-auth", "unbind the enrolled certificate: pending again", inv,
             "device.reset-auth", any),
        "name", "name", inv, "device name", true);
}

}  // namespace

bool read_pem_file(const std::string& path, json::object& args) {
    std::ifstream in(path);
    std::stringstream text;
    if (!in || !(text << in.rdbuf())) {
        std::cerr << "wardenctl: file: cannot read " << path << '\n';
        return false;
    }
    args["pem"] = text.str();
    return true;
}

void define_enroll_commands(CLI::App& app, Invocation& inv, Options& o) {
    define_ca_commands(app, inv, o);
    define_decisions(app, inv, o);
}

}  // namespace warden::cli

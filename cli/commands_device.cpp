// device add / edit / copy / replace / deactivate / activate / list / show / delete /
// export (daemon/control/commands_device*.cpp). device password: commands_totp.cpp.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "cli/client.hpp"
#include "cli/commands.hpp"
#include "cli/private_file.hpp"

namespace warden::cli {
namespace {

int write_netmap_rules(const json::value& v, const Options& o) {
    const auto* rules = v.as_object().if_contains("netmap_nftables");
    if (!rules) {
        std::cerr << "wardenctl: --nft: the device does not use netmap addressing\n";
        return kRefused;
    }
    if (auto err = write_private_file(o.nft_file, rules->as_string().c_str()); !err.empty()) {
        std::cerr << "wardenctl: " << err << '\n';
        return kRefused;
    }
    return kDone;
}

int write_profile(const json::value& v, const Options& o) {
    if (!o.nft_file.empty()) {
        if (int rc = write_netmap_rules(v, o); rc != kDone) return rc;
    }
    const std::string profile(v.at("profile").as_string());
    if (o.output_file.empty() || o.output_file == "-") {
        std::cout << profile;
        return kDone;
    }
    // The profile holds a private key.
    if (auto err = write_private_file(o.output_file, profile); !err.empty()) {
        std::cerr << "wardenctl: " << err << '\n';
        return kRefused;
    }
    return kDone;
}

// `device list --csv [--separator C]`: every list column plus traffic (bytes received +
// sent) in the current and previous UTC month and in total.
int print_device_csv(const json::value& v, const Options& o, std::vector<Column> columns) {
    columns.insert(columns.end(), {{"traffic_month", "TRAFFIC MONTH"},
                                   {"traffic_prev_month", "TRAFFIC PREVIOUS MONTH"},
                                   {"traffic_total", "TRAFFIC TOTAL"}});
    if (v.is_array()) print_csv(std::cout, v.get_array(), columns, o.separator);
    return kDone;
}

void define_device_changes(CLI::App* device, Invocation& inv, Options& o, const Printer& any) {
    auto* edit = leaf(*device, "edit", "change a device (an empty value clears a field)", inv,
                      "device.edit", any);
    arg(edit, "device", "name", inv, "device name", true);
    arg(edit, "--name", "new_name", inv, "rename (the certificates stay valid)");
    device_options(edit, inv, o);
    edit->add_flag_callback(
        "--no-monitor", [&inv] { inv.args["monitor"] = false; }, "stop watching availability");
    edit->add_flag_callback(
        "--no-key-password", [&inv] { inv.args["key_password"] = ""; },
        "export the key unencrypted");
    auto* copy =
        leaf(*device, "copy", "add NEW preset from SRC (type, group, code, monitor, e-mail)", inv,
             "device.copy", any);
    arg(copy, "source", "source", inv, "device to copy", true);
    arg(copy, "name", "name", inv, "name of the new device", true);
    device_options(copy, inv, o);
    auto* replace = leaf(*device, "replace",
                         "NEW takes over OLD's name, VPN IP, group and networks; OLD is deleted "
                         "and its certificates revoked; NEW gets a fresh certificate",
                         inv, "device.replace", any);
    arg(replace, "old", "old", inv, "device being replaced", true);
    arg(replace, "new", "new", inv, "added device that takes over", true);
    arg(leaf(*device, "deactivate", "refuse a device and end its session", inv, "device.deactivate",
             any),
        "name", "name", inv, "device name", true);
    arg(leaf(*device, "activate", "let a deactivated device connect again", inv, "device.activate",
             any),
        "name", "name", inv, "device name", true);
}

}  // namespace

void device_options(CLI::App* sub, Invocation& inv, Options& o) {
    arg(sub, "--type", "type", inv, "router or pc");
    arg(sub, "--group", "group", inv, "group (default: default)");
    arg(sub, "--serial", "serial", inv, "router serial number");
    arg(sub, "--code", "code", inv, "device code (default: [devices] default_code)");
    arg(sub, "--network", "network", inv, "routers: accessible network (CIDR or address/netmask)");
    arg(sub, "--netmap", "netmap", inv, "real LAN behind the router, mapped to --network");
    arg(sub, "--email", "email", inv, "e-mail address");
    sub->add_option("--key-password-file", o.key_password_file,
                    "pcs: file whose first line encrypts the key in the exported profile");
    sub->add_flag_callback(
        "--monitor", [&inv] { inv.args["monitor"] = true; }, "watch availability");
}

// The key password travels in the request only; it is never given on the command line
// (other users could read it from the process list).
bool read_key_password(const std::string& path, json::object& args) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        std::cerr << "wardenctl: key-password-file: cannot read " << path << '\n';
        return false;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    args["key_password"] = line;
    return true;
}

void define_device_commands(CLI::App& app, Invocation& inv, Options& o) {
    const std::vector<Column> device_cols = {
        {"name", "NAME"},       {"type", "TYPE"},
        {"group", "GROUP"},     {"vpn_ip", "VPN IP"},
        {"network", "NETWORK"}, {"state", "STATE"},
        {"since", "SINCE"},     {"expiring_soon", "CERT EXPIRING"},
        {"license", "LICENSE"}};
    const Printer any = any_printer(o);
    CLI::App* device = family(app, "device", "manage devices");
    auto* add = leaf(*device, "add", "add a device", inv, "device.add", any);
    arg(add, "name", "name", inv, "device name", true);
    device_options(add, inv, o);
    add->get_option("--type")->required();
    arg(add, "--license", "license", inv, "license whose seat it takes (default: default)");
    define_device_changes(device, inv, o, any);
    auto* list =
        leaf(*device, "list", "list devices", inv, "device.list",
             [&o, device_cols](const json::value& v) {
                 return o.csv ? print_device_csv(v, o, device_cols) : print_rows(v, o, device_cols);
             });
    define_csv_options(list, o,
                       "CSV (RFC 4180 quoting) with traffic of the current and previous month and "
                       "in total; months are UTC calendar months");
    arg(leaf(*device, "show", "show a device", inv, "device.show", any), "name", "name", inv,
        "device name", true);
    arg(leaf(*device, "delete", "delete a device", inv, "device.delete", any), "name", "name", inv,
        "device name", true);
    auto* exp = leaf(*device, "export", "write the device's .ovpn profile", inv, "device.export",
                     [&o](const json::value& v) { return write_profile(v, o); });
    arg(exp, "name", "name", inv, "device name", true);
    exp->add_option("-o,--output", o.output_file, "output file (default: stdout)");
    exp->add_option("--nft", o.nft_file, "netmap routers: also write their nftables NETMAP rules");
}

}  // namespace warden::cli

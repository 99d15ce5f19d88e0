// wardenctl: a thin client. Each subcommand maps to one daemon command of the same
// name ("device add" -> "device.add"); the daemon validates, this only shapes output.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "cli/backup.hpp"
#include "cli/client.hpp"
#include "cli/output.hpp"
#include "cli/private_file.hpp"
#include "cli/two_factor.hpp"
#include "common/csv.hpp"

namespace json = boost::json;
using namespace warden::cli;

namespace {

struct Invocation {
    std::string command;
    json::object args;
    std::function<int(const json::value&)> print;
};

struct Options {
    std::string socket = "/run/warden/admin.sock";
    bool json_output = false;
    std::string output_file;
    bool csv = false;
    char separator = ',';
    std::string key_password_file;  // read here, sent as args.key_password
    std::string nft_file;           // device export: the router's NETMAP rules
};

int print_rows(const json::value& v, const Options& o, const std::vector<Column>& columns) {
    if (o.json_output)
        std::cout << json::serialize(v) << '\n';
    else if (v.is_array())
        print_table(std::cout, v.get_array(), columns);
    return kDone;
}

int print_any(const json::value& v, const Options& o) {
    if (o.json_output || !v.is_object()) {
        if (!v.is_null()) std::cout << json::serialize(v) << '\n';
    } else {
        print_object(std::cout, v.get_object());
    }
    return kDone;
}

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

CLI::App* leaf(CLI::App& parent, const std::string& name, const std::string& help, Invocation& inv,
               const std::string& command, std::function<int(const json::value&)> print) {
    CLI::App* sub = parent.add_subcommand(name, help);
    sub->callback([&inv, command, print] {
        inv.command = command;
        inv.print = print;
    });
    return sub;
}

// Adds a string option that, when given, becomes args[key].
void arg(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
         const std::string& help, bool required = false) {
    auto* opt = sub->add_option_function<std::string>(
        flag, [&inv, key](const std::string& v) { inv.args[key] = v; }, help);
    if (required) opt->required();
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

void define_csv_options(CLI::App* sub, Options& o,
                        const std::string& help = "CSV (RFC 4180 quoting)") {
    sub->add_flag("--csv", o.csv, help);
    sub->add_option_function<std::string>(
           "--separator",
           [&o](const std::string& v) {
               const char c = v == "\\t" || v == "tab" ? '\t' : v.empty() ? '\0' : v[0];
               if ((v.size() != 1 && c != '\t') || !warden::csv::usable_separator(c))
                   throw CLI::ValidationError("--separator",
                                              "one character, not a quote or newline");
               o.separator = c;
           },
           "CSV field separator (default ','; 'tab' for a tab)")
        ->needs("--csv");
}

void define_license_and_log_commands(CLI::App& app, Invocation& inv, Options& o);
void define_group_commands(CLI::App& app, Invocation& inv, Options& o);

// The options device add, edit and copy share (edit: an empty value clears a field).
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

void define_device_changes(CLI::App* device, Invocation& inv, Options& o,
                           const std::function<int(const json::value&)>& any) {
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

void define_commands(CLI::App& app, Invocation& inv, Options& o) {
    const std::vector<Column> device_cols = {
        {"name", "NAME"},       {"type", "TYPE"},
        {"group", "GROUP"},     {"vpn_ip", "VPN IP"},
        {"network", "NETWORK"}, {"state", "STATE"},
        {"since", "SINCE"},     {"expiring_soon", "CERT EXPIRING"},
        {"license", "LICENSE"}};
    const std::vector<Column> cert_cols = {{"serial", "SERIAL"},
                                           {"state", "STATE"},
                                           {"expires", "EXPIRES"},
                                           {"expiring_soon", "EXPIRING SOON"}};
    const std::vector<Column> session_cols = {
        {"device", "DEVICE"}, {"instance", "INSTANCE"},       {"real_address", "REAL ADDRESS"},
        {"vpn_ip", "VPN IP"}, {"bytes_received", "BYTES IN"}, {"bytes_sent", "BYTES OUT"},
        {"since", "SINCE"}};
    auto any = [&o](const json::value& v) { return print_any(v, o); };

    leaf(app, "status", "daemon and OpenVPN status", inv, "status", any);
    leaf(app, "help-commands", "list the daemon's commands", inv, "help",
         [&o](const json::value& v) {
             return print_rows(v, o,
                               {{"command", "COMMAND"}, {"access", "ACCESS"}, {"help", "HELP"}});
         });

    // Hidden: only a daemon started with [testing] clock_control knows the command.
    CLI::App* testing = app.add_subcommand("testing", "")->require_subcommand(1);
    auto* clock =
        leaf(*testing, "clock", "move the daemon's clock forward", inv, "testing.clock", any);
    clock
        ->add_option_function<std::int64_t>(
            "--advance", [&inv](std::int64_t seconds) { inv.args["advance"] = seconds; }, "seconds")
        ->required();

    CLI::App* device = app.add_subcommand("device", "manage devices")->require_subcommand(1);
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

    define_group_commands(app, inv, o);

    CLI::App* cert = app.add_subcommand("cert", "manage certificates")->require_subcommand(1);
    arg(leaf(*cert, "list", "list a device's certificates", inv, "cert.list",
             [&o, cert_cols](const json::value& v) { return print_rows(v, o, cert_cols); }),
        "name", "name", inv, "device name", true);
    arg(leaf(*cert, "new", "issue a new certificate", inv, "cert.new", any), "name", "name", inv,
        "device name", true);
    auto* revoke = leaf(*cert, "revoke", "revoke a certificate", inv, "cert.revoke", any);
    arg(revoke, "name", "name", inv, "device name", true);
    arg(revoke, "serial", "serial", inv, "certificate serial (hex)", true);

    CLI::App* pki = app.add_subcommand("pki", "the daemon's PKI")->require_subcommand(1);
    leaf(*pki, "renew-server",
         "new server certificate and key from the same CA (OpenVPN loads them on its next "
         "restart: wardenctl vpn restart)",
         inv, "pki.renew-server", any);

    CLI::App* session = app.add_subcommand("session", "live sessions")->require_subcommand(1);
    leaf(*session, "list", "list live sessions", inv, "session.list",
         [&o, session_cols](const json::value& v) { return print_rows(v, o, session_cols); });
    arg(leaf(*session, "kill", "end a device's session", inv, "session.kill", any), "name", "name",
        inv, "device name", true);
    define_license_and_log_commands(app, inv, o);
}

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

void int_arg(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
             const std::string& help, bool required = false) {
    auto* opt = sub->add_option_function<long long>(
        flag, [&inv, key](long long v) { inv.args[key] = v; }, help);
    if (required) opt->required();
}

void define_license_and_log_commands(CLI::App& app, Invocation& inv, Options& o) {
    auto any = [&o](const json::value& v) { return print_any(v, o); };
    auto rows = [&o](std::vector<Column> cols) {
        return [&o, cols](const json::value& v) {
            if (o.csv && v.is_array()) {
                print_csv(std::cout, v.get_array(), cols, o.separator);
                return static_cast<int>(kDone);
            }
            return print_rows(v, o, cols);
        };
    };
    CLI::App* license = app.add_subcommand("license", "licenses and seats")->require_subcommand(1);
    auto* ladd = leaf(*license, "add", "add a license", inv, "license.add", any);
    arg(ladd, "name", "name", inv, "license name", true);
    int_arg(ladd, "--seats", "seats", inv, "number of seats", true);
    arg(ladd, "--expires", "expires", inv,
        "expiry, ISO 8601 (2026-11-22T14:00 local time, or with a zone: ...Z, ...+01:00)");
    leaf(*license, "list", "licenses with seats used and free", inv, "license.list",
         rows({{"name", "NAME"},
               {"seats", "SEATS"},
               {"used", "USED"},
               {"free", "FREE"},
               {"expires", "EXPIRES"},
               {"state", "STATE"}}));
    auto* assign =
        leaf(*license, "assign", "give a device a seat of a license", inv, "license.assign", any);
    arg(assign, "device", "device", inv, "device name", true);
    arg(assign, "license", "license", inv, "license name", true);
    arg(leaf(*license, "unassign", "take a device's seat away (it is refused)", inv,
             "license.unassign", any),
        "device", "device", inv, "device name", true);

    CLI::App* log =
        app.add_subcommand("log", "activity and connection logs")->require_subcommand(1);
    auto* activity = leaf(*log, "activity", "admin actions and security events, newest first", inv,
                          "log.activity",
                          rows({{"at", "AT"},
                                {"user", "USER"},
                                {"action", "ACTION"},
                                {"object", "OBJECT"},
                                {"details", "DETAILS"}}));
    arg(activity, "--since", "since", inv, "ISO 8601 time, or a duration back (90s, 30m, 2h, 7d)");
    define_csv_options(activity, o);
    arg(activity, "--device", "device", inv, "only entries about this device");
    int_arg(activity, "--limit", "limit", inv, "at most this many entries (default 100)");
    auto* conns = leaf(*log, "connections", "connects, disconnects and refusals, newest first", inv,
                       "log.connections",
                       rows({{"at", "AT"},
                             {"event", "EVENT"},
                             {"device", "DEVICE"},
                             {"real_address", "REAL ADDRESS"},
                             {"vpn_ip", "VPN IP"},
                             {"bytes_received", "BYTES IN"},
                             {"bytes_sent", "BYTES OUT"},
                             {"duration", "DURATION"},
                             {"reason", "REASON"}}));
    arg(conns, "--device", "device", inv, "only this device");
    define_csv_options(conns, o);
    int_arg(conns, "--limit", "limit", inv, "at most this many entries (default 100)");

    CLI::App* vpn = app.add_subcommand("vpn", "OpenVPN instances")->require_subcommand(1);
    leaf(*vpn, "status", "instances, management connection, sessions, recent log", inv,
         "vpn.status", [&o](const json::value& v) { return print_instances(v, o); });
    arg(leaf(*vpn, "restart", "restart OpenVPN (SIGHUP through the management interface)", inv,
             "vpn.restart",
             rows({{"instance", "INSTANCE"}, {"restarting", "RESTARTING"}, {"error", "ERROR"}})),
        "instance", "instance", inv, "instance (default: all)");

    auto* backup = leaf(app, "backup", "online copy of the database, checked", inv, "backup", any);
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

// The subcommand NAME of `app`, created when no other family made it yet ("device" and
// "group" are shared between command families).
CLI::App* family(CLI::App& app, const std::string& name, const std::string& help) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
        if (sub->get_name() == name) return sub;
    return app.add_subcommand(name, help)->require_subcommand(1);
}

// totp, otp, device password, group require-totp (SPEC §3).
void define_two_factor_commands(CLI::App& app, Invocation& inv, Options& o) {
    static std::string png_file;  // outlives parsing: read by the print callback
    auto any = [&o](const json::value& v) { return print_any(v, o); };
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

    CLI::App* otp = family(app, "otp", "one-time access codes");
    auto* issue =
        leaf(*otp, "issue", "issue a code (shown once)", inv, "otp.issue",
             [&o](const json::value& v) { return print_one_time_code(v, o.json_output); });
    arg(issue, "name", "name", inv, "device name", true);
    arg(issue, "--ttl", "ttl", inv, "validity, e.g. 30m, 2h (default from wardend.conf)");
    auto* list = leaf(*otp, "list", "codes not yet used or expired", inv, "otp.list",
                      [&o](const json::value& v) {
                          return print_rows(v, o,
                                            {{"id", "ID"},
                                             {"device", "DEVICE"},
                                             {"expires", "EXPIRES"},
                                             {"remaining", "REMAINING"}});
                      });
    arg(list, "--device", "name", inv, "only this device's codes");
    leaf(*otp, "revoke", "revoke a code", inv, "otp.revoke", any)
        ->add_option_function<std::int64_t>(
            "id", [&inv](std::int64_t id) { inv.args["id"] = id; }, "code id (otp list)")
        ->required();

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

// group add/delete/list, rule add/list/delete.
void define_group_commands(CLI::App& app, Invocation& inv, Options& o) {
    auto any = [&o](const json::value& v) { return print_any(v, o); };
    CLI::App* group = family(app, "group", "manage groups");
    arg(leaf(*group, "add", "add a group", inv, "group.add", any), "name", "name", inv,
        "group name", true);
    arg(leaf(*group, "delete", "delete an unused group", inv, "group.delete", any), "name", "name",
        inv, "group name", true);
    leaf(*group, "list", "list groups", inv, "group.list", [&o](const json::value& v) {
        return print_rows(v, o, {{"name", "NAME"}, {"devices", "DEVICES"}, {"rules", "RULES"}});
    });

    CLI::App* rule = family(app, "rule", "communication rules");
    auto* add = leaf(*rule, "add", "allow traffic from one group to another", inv, "rule.add", any);
    arg(add, "from", "from", inv, "source group", true);
    arg(add, "to", "to", inv, "destination group (the same group: within it)", true);
    add->add_flag_callback(
        "--both", [&inv] { inv.args["both"] = true; }, "allow both directions");
    arg(add, "--proto", "proto", inv, "tcp, udp or icmp (default: any)");
    arg(add, "--ports", "ports", inv, "e.g. 80,443,1000-2000 (default: any)");
    leaf(*rule, "list", "list rules", inv, "rule.list", [&o](const json::value& v) {
        return print_rows(v, o,
                          {{"id", "ID"},
                           {"from", "FROM"},
                           {"to", "TO"},
                           {"direction", "DIRECTION"},
                           {"proto", "PROTO"},
                           {"ports", "PORTS"}});
    });
    auto* del = leaf(*rule, "delete", "delete a rule", inv, "rule.delete", any);
    del->add_option_function<std::int64_t>(
           "id", [&inv](std::int64_t id) { inv.args["id"] = id; }, "rule id (rule list)")
        ->required();
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
    define_two_factor_commands(app, inv, o);
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

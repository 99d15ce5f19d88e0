// What wardenctl's command families share: the invocation a subcommand fills in, the
// global options, and helpers to declare subcommands and print replies. Each family
// (cli/commands_*.cpp, mirroring daemon/control/commands_*.cpp) declares its
// subcommands with define_*_commands(); main.cpp calls them in the order the help shows.
#pragma once

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "cli/output.hpp"

// Declared, not included: CLI/CLI.hpp costs each file that includes it ~8 s of CPU
// (its validators are objects built in every such file), and most command families only
// pass subcommands to the helpers below. Files that call CLI11 themselves include it.
namespace CLI {
class App;
}

namespace warden::cli {

namespace json = boost::json;

// The daemon command the parsed subcommand maps to, its arguments, and how to print the
// result (returns the exit code).
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
    std::string pem_file;           // enroll ca add: read here, sent as args.pem
};

using Printer = std::function<int(const json::value&)>;

int print_rows(const json::value& v, const Options& o, const std::vector<Column>& columns);
int print_any(const json::value& v, const Options& o);
// Prints any reply: key: value for objects, JSON otherwise (or with --json).
Printer any_printer(const Options& o);
// A table of `columns`, or CSV with --csv.
Printer rows_printer(const Options& o, std::vector<Column> columns);

// A subcommand NAME of `parent` that invokes daemon command `command`.
CLI::App* leaf(CLI::App& parent, const std::string& name, const std::string& help, Invocation& inv,
               const std::string& command, Printer print);
// Adds a string option that, when given, becomes args[key].
void arg(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
         const std::string& help, bool required = false);
// The same for an integer.
void int_arg(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
             const std::string& help, bool required = false);
// A flag that, when given, sets args[key] = true.
void flag(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
          const std::string& help);
// --csv and --separator.
void define_csv_options(CLI::App* sub, Options& o,
                        const std::string& help = "CSV (RFC 4180 quoting)");
// The subcommand NAME of `app`, created when no other family made it yet ("device" and
// "group" are shared between command families).
CLI::App* family(CLI::App& app, const std::string& name, const std::string& help);

// One per family, in main.cpp's order.
void define_status_commands(CLI::App& app, Invocation& inv, Options& o);   // status, help
void define_testing_commands(CLI::App& app, Invocation& inv, Options& o);  // hidden
void define_device_commands(CLI::App& app, Invocation& inv, Options& o);
void define_group_commands(CLI::App& app, Invocation& inv, Options& o);  // group, rule
void define_cert_commands(CLI::App& app, Invocation& inv, Options& o);
void define_pki_commands(CLI::App& app, Invocation& inv, Options& o);
void define_session_commands(CLI::App& app, Invocation& inv, Options& o);
void define_license_commands(CLI::App& app, Invocation& inv, Options& o);
void define_log_commands(CLI::App& app, Invocation& inv, Options& o);
void define_vpn_commands(CLI::App& app, Invocation& inv, Options& o);  // vpn, backup
// totp, device password, group require-totp (SPEC §3).
void define_totp_commands(CLI::App& app, Invocation& inv, Options& o);
void define_otp_commands(CLI::App& app, Invocation& inv, Options& o);
void define_mail_commands(CLI::App& app, Invocation& inv, Options& o);
void define_tr_commands(CLI::App& app, Invocation& inv, Options& o);
// enroll ca, pending, rejected, device reset-auth (SPEC §5).
void define_enroll_commands(CLI::App& app, Invocation& inv, Options& o);

// The options device add, edit, copy and pending accept share (edit: an empty value
// clears a field): --type, --group, --serial, --code, --network, --netmap, --email,
// --key-password-file, --monitor.
void device_options(CLI::App* sub, Invocation& inv, Options& o);

// device add/edit/copy --key-password-file: the key password travels in the request
// only. False (and a message on stderr) when the file cannot be read.
bool read_key_password(const std::string& path, json::object& args);
// enroll ca add FILE: the PEM travels in the request (the daemon reads no admin's files).
bool read_pem_file(const std::string& path, json::object& args);

}  // namespace warden::cli

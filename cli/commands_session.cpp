// status, help-commands, session list / kill (daemon/control/commands_session.cpp).
#include "cli/commands.hpp"

namespace warden::cli {

void define_status_commands(CLI::App& app, Invocation& inv, Options& o) {
    leaf(app, "status", "daemon and OpenVPN status", inv, "status", any_printer(o));
    leaf(app, "help-commands", "list the daemon's commands", inv, "help",
         [&o](const json::value& v) {
             return print_rows(v, o,
                               {{"command", "COMMAND"}, {"access", "ACCESS"}, {"help", "HELP"}});
         });
}

void define_session_commands(CLI::App& app, Invocation& inv, Options& o) {
    const std::vector<Column> session_cols = {
        {"device", "DEVICE"},        {"node", "NODE"},
        {"instance", "INSTANCE"},    {"real_address", "REAL ADDRESS"},
        {"vpn_ip", "VPN IP"},        {"bytes_received", "BYTES IN"},
        {"bytes_sent", "BYTES OUT"}, {"since", "SINCE"}};
    CLI::App* session = family(app, "session", "live sessions");
    leaf(*session, "list", "list live sessions", inv, "session.list",
         [&o, session_cols](const json::value& v) { return print_rows(v, o, session_cols); });
    arg(leaf(*session, "kill", "end a device's session", inv, "session.kill", any_printer(o)),
        "name", "name", inv, "device name", true);
}

}  // namespace warden::cli

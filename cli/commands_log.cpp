// log activity / connections (daemon/control/commands_log.cpp).
#include "cli/commands.hpp"

namespace warden::cli {

void define_log_commands(CLI::App& app, Invocation& inv, Options& o) {
    CLI::App* log = family(app, "log", "activity and connection logs");
    auto* activity = leaf(*log, "activity", "admin actions and security events, newest first", inv,
                          "log.activity",
                          rows_printer(o, {{"at", "AT"},
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
                       rows_printer(o, {{"at", "AT"},
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
}

}  // namespace warden::cli

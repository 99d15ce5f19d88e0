// tr set / off / send / confirm / status (daemon/control/commands_tr.cpp).
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

namespace warden::cli {
namespace {

// --window START END / --activation START END: the two times become args start and end.
CLI::Option* window_option(CLI::App* sub, const std::string& flag, Invocation& inv,
                           const std::string& help) {
    auto* opt = sub->add_option_function<std::vector<std::string>>(
        flag,
        [&inv](const std::vector<std::string>& v) {
            inv.args["start"] = v.at(0);
            inv.args["end"] = v.at(1);
        },
        help);
    opt->expected(2)->type_name("START END");
    return opt;
}

}  // namespace

void define_tr_commands(CLI::App& app, Invocation& inv, Options& o) {
    const Printer any = any_printer(o);
    const std::string times =
        "times in UTC: 2026-12-02T08:00, \"2026-12-02 08:00\", with a zone (...Z, ...+01:00), "
        "or Unix seconds";
    CLI::App* tr = family(app, "tr", "time-restricted access: released by a mailed token");
    auto* set = leaf(*tr, "set", "make a device time-restricted (it starts unreleased)", inv,
                     "tr.set", any);
    arg(set, "name", "device", inv, "device name", true);
    auto* window =
        window_option(set, "--window", inv, "window mode: confirming releases until END; " + times);
    auto* activation = window_option(set, "--activation", inv,
                                     "duration mode: when a confirm is accepted; " + times);
    auto* duration = set->add_option_function<std::string>(
        "--duration", [&inv](const std::string& v) { inv.args["duration"] = v; },
        "duration mode: access per confirm (30m, 2h, 1d)");
    window->excludes(activation)->excludes(duration);
    duration->needs(activation);
    activation->needs(duration);
    arg(leaf(*tr, "off", "lift a device's time restriction", inv, "tr.off", any), "name", "device",
        inv, "device name", true);
    arg(leaf(*tr, "send", "mail the device's address a token now", inv, "tr.send", any), "name",
        "device", inv, "device name", true);
    arg(leaf(*tr, "confirm", "confirm a mailed token: releases its device", inv, "tr.confirm", any),
        "token", "token", inv, "the token from the mail", true);
    arg(leaf(*tr, "status", "time-restricted devices and their releases", inv, "tr.status",
             rows_printer(o, {{"device", "DEVICE"},
                              {"mode", "MODE"},
                              {"start", "START"},
                              {"end", "END"},
                              {"duration", "DURATION"},
                              {"released_until", "RELEASED UNTIL"},
                              {"last_token_sent", "LAST TOKEN SENT"}})),
        "name", "device", inv, "only this device");
}

}  // namespace warden::cli

// testing clock (daemon/control/commands_testing.cpp). Hidden: only a daemon started
// with [testing] clock_control knows the command.
#include "cli/commands.hpp"

namespace warden::cli {

void define_testing_commands(CLI::App& app, Invocation& inv, Options& o) {
    CLI::App* testing = app.add_subcommand("testing", "")->require_subcommand(1);
    auto* clock = leaf(*testing, "clock", "move the daemon's clock forward", inv, "testing.clock",
                       any_printer(o));
    clock
        ->add_option_function<std::int64_t>(
            "--advance", [&inv](std::int64_t seconds) { inv.args["advance"] = seconds; }, "seconds")
        ->required();
}

}  // namespace warden::cli

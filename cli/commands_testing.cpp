// testing clock (daemon/control/commands_testing.cpp). Hidden: only a daemon started
// with [testing] clock_control knows the command.
#include "cli/commands.hpp"

namespace warden::cli {

void define_testing_commands(CLI::App& app, Invocation& inv, Options& o) {
    CLI::App* testing = family(app, "testing", "");
    auto* clock = leaf(*testing, "clock", "move the daemon's clock forward", inv, "testing.clock",
                       any_printer(o));
    int_arg(clock, "--advance", "advance", inv, "seconds", true);
}

}  // namespace warden::cli

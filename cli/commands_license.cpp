// license add / list / assign / unassign (daemon/control/commands_license.cpp).
#include "cli/commands.hpp"

namespace warden::cli {

void define_license_commands(CLI::App& app, Invocation& inv, Options& o) {
    const Printer any = any_printer(o);
    CLI::App* license = family(app, "license", "licenses and seats");
    auto* ladd = leaf(*license, "add", "add a license", inv, "license.add", any);
    arg(ladd, "name", "name", inv, "license name", true);
    int_arg(ladd, "--seats", "seats", inv, "number of seats", true);
    arg(ladd, "--expires", "expires", inv,
        "expiry, ISO 8601 (2026-11-22T14:00 local time, or with a zone: ...Z, ...+01:00)");
    leaf(*license, "list", "licenses with seats used and free", inv, "license.list",
         rows_printer(o, {{"name", "NAME"},
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
}

}  // namespace warden::cli

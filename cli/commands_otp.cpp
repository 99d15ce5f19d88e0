// otp issue / list / revoke (daemon/control/commands_otp.cpp).
#include "cli/commands.hpp"
#include "cli/two_factor.hpp"

namespace warden::cli {

void define_otp_commands(CLI::App& app, Invocation& inv, Options& o) {
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
    int_arg(leaf(*otp, "revoke", "revoke a code", inv, "otp.revoke", any_printer(o)), "id", "id",
            inv, "code id (otp list)", true);
}

}  // namespace warden::cli

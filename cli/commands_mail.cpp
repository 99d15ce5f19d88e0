// mail test / queue / retry (daemon/control/commands_mail.cpp).
#include "cli/commands.hpp"

namespace warden::cli {

void define_mail_commands(CLI::App& app, Invocation& inv, Options& o) {
    const Printer any = any_printer(o);
    CLI::App* mail = family(app, "mail", "outgoing e-mail ([mail] in wardend.conf)");
    arg(leaf(*mail, "test", "queue a test mail; prints its id", inv, "mail.test", any), "address",
        "address", inv, "recipient address", true);
    leaf(*mail, "queue", "pending and failed mail", inv, "mail.queue",
         rows_printer(o, {{"id", "ID"},
                          {"state", "STATE"},
                          {"kind", "KIND"},
                          {"to", "TO"},
                          {"attempts", "ATTEMPTS"},
                          {"next_attempt", "NEXT ATTEMPT"},
                          {"last_error", "LAST ERROR"}}));
    auto* retry = leaf(*mail, "retry", "send failed mail again now", inv, "mail.retry", any);
    int_arg(retry, "id", "id", inv, "message id (see mail queue)");
    flag(retry, "--all", "all", inv, "every failed message");
}

}  // namespace warden::cli

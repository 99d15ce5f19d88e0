// group add / delete / list, rule add / list / delete (daemon/control/commands_group.cpp).
// group require-totp: commands_totp.cpp.
#include "cli/commands.hpp"

namespace warden::cli {

void define_group_commands(CLI::App& app, Invocation& inv, Options& o) {
    const Printer any = any_printer(o);
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
    flag(add, "--both", "both", inv, "allow both directions");
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
    int_arg(del, "id", "id", inv, "rule id (rule list)", true);
}

}  // namespace warden::cli

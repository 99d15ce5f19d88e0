// cert list / new / revoke (daemon/control/commands_cert.cpp).
#include "cli/commands.hpp"

namespace warden::cli {

void define_cert_commands(CLI::App& app, Invocation& inv, Options& o) {
    const std::vector<Column> cert_cols = {{"serial", "SERIAL"},
                                           {"state", "STATE"},
                                           {"expires", "EXPIRES"},
                                           {"expiring_soon", "EXPIRING SOON"}};
    const Printer any = any_printer(o);
    CLI::App* cert = family(app, "cert", "manage certificates");
    arg(leaf(*cert, "list", "list a device's certificates", inv, "cert.list",
             [&o, cert_cols](const json::value& v) { return print_rows(v, o, cert_cols); }),
        "name", "name", inv, "device name", true);
    arg(leaf(*cert, "new", "issue a new certificate", inv, "cert.new", any), "name", "name", inv,
        "device name", true);
    auto* revoke = leaf(*cert, "revoke", "revoke a certificate", inv, "cert.revoke", any);
    arg(revoke, "name", "name", inv, "device name", true);
    arg(revoke, "serial", "serial", inv, "certificate serial (hex)", true);
}

}  // namespace warden::cli

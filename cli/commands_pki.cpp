// pki renew-server (daemon/control/commands_pki.cpp).
#include "cli/commands.hpp"

namespace warden::cli {

void define_pki_commands(CLI::App& app, Invocation& inv, Options& o) {
    CLI::App* pki = family(app, "pki", "the daemon's PKI");
    leaf(*pki, "renew-server",
         "new server certificate and key from the same CA (OpenVPN loads them on its next "
         "restart: wardenctl vpn restart)",
         inv, "pki.renew-server", any_printer(o));
}

}  // namespace warden::cli

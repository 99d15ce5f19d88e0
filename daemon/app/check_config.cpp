#include "daemon/app/check_config.hpp"

#include <sys/stat.h>

#include <vector>

#include "daemon/core/config.hpp"
#include "daemon/mail/mail_queue.hpp"

namespace warden::app {
namespace {

bool regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string check_config(const std::string& path) {
    auto loaded = core::load_config(path);
    if (!loaded.config) {
        std::string why = path + ": " + loaded.error;
        if (loaded.error.find("vpn.remote: required") != std::string::npos)
            why += " (run `wardend init --remote HOST` first)";
        return why;
    }
    const core::Config& c = *loaded.config;
    // What wardend opens before it serves; crl.pem is not here: wardend writes it itself.
    const std::string pki = c.pki_dir();
    std::vector<std::string> files = {pki + "/ca.crt", pki + "/ca.key", pki + "/server.crt",
                                      pki + "/server.key", pki + "/tls-crypt.key"};
    // PostgreSQL is checked by connecting, at start: it may be a moment away still.
    if (c.store.backend == core::StoreConfig::Backend::Sqlite) files.push_back(c.database_path());
    for (const std::string& file : files) {
        if (!regular_file(file))
            return path + ": state_dir " + c.state_dir + " lacks " + file +
                   " (run `wardend init` first)";
    }
    if (c.mail.enabled && !c.mail.user.empty()) {
        std::string error;
        if (!mail::read_password_file(c.mail.password_file, error))
            return path + ": mail.password_file: " + error;
    }
    return {};
}

}  // namespace warden::app

#include "daemon/app/migrate_cmd.hpp"

#include <iostream>

#include "daemon/core/config.hpp"
#include "daemon/store/migrate.hpp"

namespace warden::app {

int run_migrate_store(const std::string& config_path, const std::string& conninfo) {
    const auto loaded = core::load_config(config_path);
    if (!loaded.config) {
        std::cerr << "wardend migrate-store: invalid configuration " << config_path << ": "
                  << loaded.error << '\n';
        return 2;
    }
    // The URL may hold a password: it is never printed.
    const auto result =
        store::migrate_sqlite_to_postgresql(loaded.config->database_path(), conninfo);
    if (!result.error.empty()) {
        std::cerr << "wardend migrate-store: nothing migrated: " << result.error << '\n';
        return 1;
    }
    std::cout << "migrated tables=" << result.tables << " rows=" << result.rows << '\n';
    return 0;
}

}  // namespace warden::app

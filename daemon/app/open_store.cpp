#include "daemon/app/open_store.hpp"

namespace warden::app {

store::OpenResult open_store(const core::Config& config) {
    if (config.store.backend == core::StoreConfig::Backend::Postgresql) {
        auto opened = store::open_postgresql(config.store.url);
        if (!opened.store && opened.error.rfind("postgresql", 0) != 0)
            opened.error = "postgresql: " + opened.error;
        return opened;
    }
    return store::open_sqlite(config.database_path());
}

std::string store_description(const core::Config& config) {
    if (config.store.backend == core::StoreConfig::Backend::Postgresql) return "postgresql";
    return "sqlite path=" + config.database_path();
}

}  // namespace warden::app

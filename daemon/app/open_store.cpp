#include "daemon/app/open_store.hpp"

namespace warden::app {

store::OpenResult open_store(const core::Config& config) {
    if (config.store.backend == core::StoreConfig::Backend::Postgresql)
        return store::open_postgresql(config.store.url);
    return store::open_sqlite(config.database_path());
}

std::string store_description(const core::Config& config) {
    if (config.store.backend == core::StoreConfig::Backend::Postgresql) return "postgresql";
    return "sqlite path=" + config.database_path();
}

}  // namespace warden::app

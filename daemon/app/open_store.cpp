#include "daemon/app/open_store.hpp"

#include <unistd.h>

#include <array>

namespace warden::app {

store::OpenResult open_store(const core::Config& config) {
    if (config.store.backend == core::StoreConfig::Backend::Postgresql)
        return store::open_postgresql(config.store.url, node_application_name(config));
    return store::open_sqlite(config.database_path());
}

std::string store_description(const core::Config& config) {
    if (config.store.backend == core::StoreConfig::Backend::Postgresql) return "postgresql";
    return "sqlite path=" + config.database_path();
}

std::string node_name(const core::Config& config) {
    if (!config.store.node.empty()) return config.store.node;
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) return "node";
    std::string name(host.data());
    name = name.substr(0, name.find('.'));
    return name.empty() || !core::valid_node_name(name) ? "node" : name;
}

std::string node_application_name(const core::Config& config) {
    return "wardend:" + node_name(config);
}

}  // namespace warden::app

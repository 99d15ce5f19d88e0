// The store [store] backend names: SQLite in STATE_DIR/warden.db, or the PostgreSQL
// database that several nodes share.
#pragma once

#include "daemon/core/config.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

// One connection (wardend opens a few: the event loop's, the login writer's, the mail
// worker's). The error names the backend. On PostgreSQL every connection carries the
// node's application name, so the change log says which node made a change.
store::OpenResult open_store(const core::Config& config);

// For logs: "sqlite path=..." or "postgresql" (the url may hold a password: not logged).
std::string store_description(const core::Config& config);

// [store] node, or the host name up to its first dot ("node" if it is not a valid name).
std::string node_name(const core::Config& config);
// What this node's connections call themselves: "wardend:<node>".
std::string node_application_name(const core::Config& config);

}  // namespace warden::app

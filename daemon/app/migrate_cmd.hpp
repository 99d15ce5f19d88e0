// `wardend migrate-store --to URL [--config FILE]`: copies the SQLite state the
// configuration names (state_dir/warden.db) into an empty PostgreSQL database (issue 14).
#pragma once

#include <string>

namespace warden::app {

// Prints "migrated tables=N rows=M" and returns 0, or prints why not and returns 1
// (2: the configuration is invalid). wardend should be stopped meanwhile; the copy is one
// consistent SQLite snapshot either way.
int run_migrate_store(const std::string& config_path, const std::string& conninfo);

}  // namespace warden::app

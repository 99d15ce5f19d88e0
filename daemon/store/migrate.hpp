// `wardend migrate-store --to URL`: copies an SQLite state into an empty PostgreSQL
// database (issue 14), checked. Generic over the tables: the columns are read from both
// catalogs, so a new migration needs no change here as long as both dialects agree.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "daemon/store/pg_handles.hpp"

namespace warden::store {

struct MigrateResult {
    std::string error;  // empty: committed
    int tables = 0;
    std::int64_t rows = 0;
};

// Test hook: runs inside the copy transaction after a table's rows were inserted and
// before they are checked (a test corrupts the copy here to prove the check works).
using AfterTableCopied = std::function<void(pg::Connection&, const std::string& table)>;

// Brings both databases to the current schema (open_sqlite / open_postgresql), refuses
// unless the PostgreSQL tables are empty (but for the rows the migrations seed: the group
// and license `default`), then copies every table in foreign-key order in one PostgreSQL
// transaction from one SQLite read transaction (a consistent snapshot). Per table the
// row count and an order-independent SHA-256 digest of the rows must match on both sides,
// else everything is rolled back and the error names the table.
MigrateResult migrate_sqlite_to_postgresql(const std::string& sqlite_path,
                                           const std::string& conninfo,
                                           const AfterTableCopied& after_copy = {});

}  // namespace warden::store

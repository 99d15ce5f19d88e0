// What every store contract test file starts from: a fresh store, on the backend chosen
// by the environment (Kea's pattern: one suite, a backend list; issue 14):
//   WARDEN_TEST_STORE  sqlite (default) | postgresql
//   WARDEN_TEST_PG     postgresql: the file holding the admin conninfo (default: the
//                      one test/support/pg_cluster.sh writes for ctest fixture `pg`)
// On PostgreSQL each TempDir gets its own database, created on first open and dropped
// when the test process exits; opening the same TempDir again reopens it (like a file).
#pragma once

#include <unistd.h>
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/sqlite_handles.hpp"
#include "daemon/store/store.hpp"
#include "support/unix_client.hpp"

namespace warden::store::test {

using TempDir = warden::testing::TempDir;

inline bool on_postgresql() {
    const char* backend = std::getenv("WARDEN_TEST_STORE");
    return backend && std::string(backend) == "postgresql";
}

inline std::string pg_admin_conninfo() {
    const char* file = std::getenv("WARDEN_TEST_PG");
#ifdef WARDEN_TEST_PG_CONNINFO
    if (!file) file = WARDEN_TEST_PG_CONNINFO;  // the cluster of ctest fixture `pg`
#endif
    INFO("WARDEN_TEST_PG must name the conninfo file of test/support/pg_cluster.sh");
    REQUIRE(file);
    std::ifstream in(file);
    std::string conninfo;
    std::getline(in, conninfo);
    REQUIRE_FALSE(conninfo.empty());
    return conninfo;
}

// The databases this process created, dropped at exit (FORCE: a leaked store's
// connection does not keep one alive).
class PgDatabases {
  public:
    static PgDatabases& instance() {
        static PgDatabases all;
        return all;
    }
    // The database of `dir` (created now if this is its first open).
    std::string ensure(const TempDir& dir) {
        const std::string name = database_name(dir);
        if (names_.insert(name).second) {
            admin_conninfo_ = pg_admin_conninfo();
            auto admin = pg::Connection::open(admin_conninfo_);
            admin.exec_script("CREATE DATABASE \"" + name + "\"");
        }
        return name;
    }
    // Runs after Catch's session ended: no Catch macros here.
    ~PgDatabases() {
        if (names_.empty()) return;
        try {
            auto admin = pg::Connection::open(admin_conninfo_);
            for (const auto& name : names_)
                admin.exec_script("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
        } catch (...) {  // the cluster's stop removes whatever is left
        }
    }

  private:
    // Unique per TempDir (mkdtemp's name) and process.
    static std::string database_name(const TempDir& dir) {
        std::string name = "warden_";
        for (char c : dir.path.filename().string())
            name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return name + "_" + std::to_string(::getpid());
    }
    std::set<std::string> names_;
    std::string admin_conninfo_;
};

inline std::string pg_conninfo(const TempDir& dir) {
    // A later keyword overrides an earlier one in a libpq conninfo.
    return pg_admin_conninfo() + " dbname=" + PgDatabases::instance().ensure(dir);
}

// Opens (creating on first use) the store of `dir` on the chosen backend.
inline OpenResult open_at(const TempDir& dir) {
    if (on_postgresql()) return open_postgresql(pg_conninfo(dir));
    return open_sqlite(dir.file("warden.db"));
}

inline std::unique_ptr<Store> open_fresh(const TempDir& dir) {
    auto result = open_at(dir);
    INFO(result.error);
    REQUIRE(result.error.empty());
    return std::move(result.store);
}

// Raw SQL on the store's database, behind the Store's back (old rows, a newer schema).
// Returns the first column of the first row ("" when none). The statement must be
// valid in both dialects.
inline std::string raw_sql(const TempDir& dir, const std::string& sql) {
    if (on_postgresql()) {
        auto conn = pg::Connection::open(pg_conninfo(dir));
        const auto r = conn.exec(sql);
        return r.rows() > 0 ? r.text(0, 0) : std::string();
    }
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(dir.file("warden.db").c_str(), &raw) == SQLITE_OK);
    DbHandle db(raw);
    Statement s(db.get(), sql);
    return s.step() ? s.text(0) : std::string();
}

}  // namespace warden::store::test

#include "daemon/store/migrate.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "common/log.hpp"
#include "daemon/store/sqlite_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store {
namespace {

// The migrations' own bookkeeping, not state: each side keeps its own.
constexpr const char* kBookkeeping = "schema_version";
// PostgreSQL's explicit twin of SQLite's implicit rowid (schema/pg/001, 011).
constexpr const char* kRowid = "rowid";
// Rows per INSERT: fewer round trips, far below libpq's 65535 parameters.
constexpr std::size_t kMaxParams = 30000;

struct MigrateFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string quote_ident(const std::string& name) {
    std::string q = "\"";
    for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string join_quoted(const std::vector<std::string>& names, const std::string& suffix = "") {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + quote_ident(n) + suffix;
    return out;
}

// Order-independent digest of a table: the count and the sum (mod 2^256) of the SHA-256
// of every row's canonical text, so both sides can stream rows in any order.
class TableDigest {
  public:
    void add(const std::vector<const char*>& values, const std::vector<std::size_t>& lengths) {
        std::string row;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (!values[i]) {
                row += "N;";
                continue;
            }
            row += 'V' + std::to_string(lengths[i]) + ':';
            row.append(values[i], lengths[i]);
        }
        std::array<unsigned char, SHA256_DIGEST_LENGTH> h{};
        SHA256(reinterpret_cast<const unsigned char*>(row.data()), row.size(), h.data());
        unsigned carry = 0;
        for (std::size_t i = h.size(); i-- > 0;) {
            carry += sum_[i] + h[i];
            sum_[i] = static_cast<unsigned char>(carry & 0xff);
            carry >>= 8;
        }
        ++rows_;
    }
    std::int64_t rows() const { return rows_; }
    bool operator==(const TableDigest& o) const { return rows_ == o.rows_ && sum_ == o.sum_; }

  private:
    std::int64_t rows_ = 0;
    std::array<unsigned char, SHA256_DIGEST_LENGTH> sum_{};
};

// One table to copy: the columns both sides have, and whether PostgreSQL's rowid column
// takes SQLite's implicit rowid.
struct TablePlan {
    std::string name;
    std::vector<std::string> columns;
    bool pg_rowid = false;
    std::vector<std::string> pg_columns() const {
        auto all = columns;
        if (pg_rowid) all.push_back(kRowid);
        return all;
    }
};

// ---- SQLite side ----

std::vector<std::string> sqlite_column(sqlite3* db, const std::string& sql, int column) {
    std::vector<std::string> out;
    Statement s(db, sql);
    while (s.step()) out.push_back(s.text(column));
    return out;
}

std::set<std::string> sqlite_tables(sqlite3* db) {
    auto names = sqlite_column(db,
                               "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                               "LIKE 'sqlite\\_%' ESCAPE '\\'",
                               0);
    std::set<std::string> out(names.begin(), names.end());
    out.erase(kBookkeeping);
    return out;
}

// Tables in an order where every table comes after the tables its foreign keys name.
std::vector<std::string> foreign_key_order(sqlite3* db, const std::set<std::string>& tables) {
    std::map<std::string, std::set<std::string>> parents;
    for (const auto& t : tables)
        for (const auto& p :
             sqlite_column(db, "PRAGMA foreign_key_list(" + quote_ident(t) + ")", 2))
            if (p != t && tables.count(p)) parents[t].insert(p);
    std::vector<std::string> order;
    std::set<std::string> done;
    while (order.size() < tables.size()) {
        const auto before = order.size();
        for (const auto& t : tables) {
            if (done.count(t)) continue;
            const auto& ps = parents[t];
            if (std::all_of(ps.begin(), ps.end(), [&](const auto& p) { return done.count(p); })) {
                order.push_back(t);
                done.insert(t);
            }
        }
        if (order.size() == before) throw MigrateFailure("foreign keys form a cycle");
    }
    return order;
}

// ---- PostgreSQL side ----

// One statement with any number of text parameters (pg::Connection::exec takes a fixed list).
pg::Result exec_params(pg::Connection& conn, const std::string& sql,
                       const std::vector<const char*>& values) {
    PGresult* res = PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    pg::Result result(res);
    const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
        throw pg::PgError(state ? state : "",
                          std::string("postgresql: ") + PQerrorMessage(conn.get()));
    }
    return result;
}

std::vector<std::string> pg_column(pg::Connection& conn, std::string_view sql,
                                   std::initializer_list<pg::Param> params = {}) {
    const auto r = conn.exec(sql, params);
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

std::set<std::string> pg_tables(pg::Connection& conn) {
    auto names = pg_column(conn,
                           "SELECT table_name FROM information_schema.tables WHERE table_schema "
                           "= current_schema() AND table_type = 'BASE TABLE'");
    std::set<std::string> out(names.begin(), names.end());
    out.erase(kBookkeeping);
    return out;
}

TablePlan plan_table(sqlite3* db, pg::Connection& conn, const std::string& table) {
    TablePlan plan{table, sqlite_column(db, "PRAGMA table_info(" + quote_ident(table) + ")", 1)};
    const std::set<std::string> ours(plan.columns.begin(), plan.columns.end());
    std::set<std::string> theirs;
    for (const auto& c : pg_column(conn,
                                   "SELECT column_name FROM information_schema.columns WHERE "
                                   "table_schema = current_schema() AND table_name = $1",
                                   {table}))
        theirs.insert(c);
    if (theirs.count(kRowid) && !ours.count(kRowid)) {
        plan.pg_rowid = true;
        theirs.erase(kRowid);
    }
    for (const auto& c : ours)
        if (!theirs.count(c))
            throw MigrateFailure("table=" + table + " column=" + c + " missing in postgresql");
    for (const auto& c : theirs)
        if (!ours.count(c))
            throw MigrateFailure("table=" + table + " column=" + c + " missing in sqlite");
    return plan;
}

// The rows a fresh schema holds that the copy replaces (schema/pg/001, 003).
std::string seeded_rows_excluded(const std::string& table) {
    return table == "groups" || table == "licenses" ? " WHERE name <> 'default'" : "";
}

void refuse_unless_empty(pg::Connection& conn, const std::vector<std::string>& tables) {
    for (const auto& t : tables) {
        const auto n = conn.exec("SELECT COUNT(*) FROM " + quote_ident(t) + seeded_rows_excluded(t))
                           .int64(0, 0);
        if (n > 0)
            throw MigrateFailure("postgresql table=" + t + " is not empty (rows=" +
                                 std::to_string(n) + "): migrate only into a new database");
    }
}

// ---- the copy ----

std::string insert_sql(const TablePlan& plan, std::size_t rows) {
    const auto columns = plan.pg_columns();
    std::string sql = "INSERT INTO " + quote_ident(plan.name) + " (" + join_quoted(columns) +
                      ") OVERRIDING SYSTEM VALUE VALUES ";
    std::size_t n = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r ? ",(" : "(";
        for (std::size_t c = 0; c < columns.size(); ++c)
            sql += (c ? ",$" : "$") + std::to_string(++n);
        sql += ')';
    }
    return sql;
}

// Inserts the SQLite rows of `plan` into PostgreSQL; returns their digest.
TableDigest copy_rows(sqlite3* db, pg::Connection& conn, const TablePlan& plan) {
    auto select = plan.columns;
    if (plan.pg_rowid) select.push_back(kRowid);
    Statement rows(db, "SELECT " + join_quoted(select) + " FROM " + quote_ident(plan.name));
    const std::size_t width = select.size();
    const std::size_t batch = std::max<std::size_t>(1, kMaxParams / width);
    TableDigest digest;
    std::vector<std::optional<std::string>> pending;
    auto flush = [&] {
        if (pending.empty()) return;
        std::vector<const char*> values;
        for (const auto& v : pending) values.push_back(v ? v->c_str() : nullptr);
        exec_params(conn, insert_sql(plan, pending.size() / width), values);
        pending.clear();
    };
    std::vector<const char*> values(width);
    std::vector<std::size_t> lengths(width);
    while (rows.step()) {
        for (std::size_t c = 0; c < width; ++c) {
            const int i = static_cast<int>(c);
            if (rows.is_null(i)) {
                pending.emplace_back(std::nullopt);
            } else {
                pending.emplace_back(rows.text(i));
            }
        }
        for (std::size_t c = 0; c < width; ++c) {
            const auto& v = pending[pending.size() - width + c];
            values[c] = v ? v->c_str() : nullptr;
            lengths[c] = v ? v->size() : 0;
        }
        digest.add(values, lengths);
        if (pending.size() >= batch * width) flush();
    }
    flush();
    return digest;
}

// The digest of what PostgreSQL now holds, read back in batches through a cursor.
TableDigest pg_digest(pg::Connection& conn, const TablePlan& plan) {
    conn.exec_script("DECLARE warden_migrate_check NO SCROLL CURSOR FOR SELECT " +
                     join_quoted(plan.pg_columns(), "::text") + " FROM " + quote_ident(plan.name));
    TableDigest digest;
    const std::size_t width = plan.pg_columns().size();
    std::vector<const char*> values(width);
    std::vector<std::size_t> lengths(width);
    for (;;) {
        const auto r = conn.exec("FETCH 5000 FROM warden_migrate_check");
        if (r.empty()) break;
        std::vector<std::string> row(width);
        for (int i = 0; i < r.rows(); ++i) {
            for (std::size_t c = 0; c < width; ++c) {
                const int col = static_cast<int>(c);
                row[c] = r.text(i, col);
                values[c] = r.is_null(i, col) ? nullptr : row[c].c_str();
                lengths[c] = row[c].size();
            }
            digest.add(values, lengths);
        }
    }
    conn.exec_script("CLOSE warden_migrate_check");
    return digest;
}

// Every identity column's sequence continues after the highest copied value.
void advance_sequences(pg::Connection& conn) {
    const auto r = conn.exec(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND is_identity = 'YES'");
    for (int i = 0; i < r.rows(); ++i) {
        const std::string table = quote_ident(r.text(i, 0));
        const std::string column = quote_ident(r.text(i, 1));
        conn.exec("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(" + column +
                      "), 1), MAX(" + column + ") IS NOT NULL) FROM " + table,
                  {table, r.text(i, 1)});
    }
}

void check_copy(pg::Connection& conn, const TablePlan& plan, const TableDigest& source) {
    const auto copied = pg_digest(conn, plan);
    if (source == copied) return;
    throw MigrateFailure("table=" + plan.name +
                         " check failed: rows sqlite=" + std::to_string(source.rows()) +
                         " postgresql=" + std::to_string(copied.rows()) +
                         (source.rows() == copied.rows() ? " (row digests differ)" : ""));
}

// The tables in foreign-key order, each with the columns both sides have.
std::vector<TablePlan> plan_tables(sqlite3* db, pg::Connection& conn) {
    const auto ours = sqlite_tables(db);
    const auto theirs = pg_tables(conn);
    for (const auto& t : ours)
        if (!theirs.count(t)) throw MigrateFailure("table=" + t + " missing in postgresql");
    for (const auto& t : theirs)
        if (!ours.count(t)) throw MigrateFailure("table=" + t + " missing in sqlite");
    std::vector<TablePlan> plans;
    for (const auto& t : foreign_key_order(db, ours)) plans.push_back(plan_table(db, conn, t));
    return plans;
}

MigrateResult copy_all(sqlite3* db, pg::Connection& conn, const AfterTableCopied& after_copy) {
    const auto plans = plan_tables(db, conn);
    std::vector<std::string> order;
    for (const auto& plan : plans) order.push_back(plan.name);

    refuse_unless_empty(conn, order);
    // Children first: the seeded rows are the only ones, and nothing references them yet.
    for (auto t = order.rbegin(); t != order.rend(); ++t)
        conn.exec_script("DELETE FROM " + quote_ident(*t));
    // The seat triggers (schema/pg/003) would count the copied seats a second time on
    // top of the copied licenses.used: user triggers stay off during the copy (foreign
    // keys stay checked). ALTER TABLE is transactional: a rollback restores them too.
    for (const auto& t : order)
        conn.exec_script("ALTER TABLE " + quote_ident(t) + " DISABLE TRIGGER USER");

    std::vector<TableDigest> sources;
    for (const auto& plan : plans) {
        sources.push_back(copy_rows(db, conn, plan));
        log::info("migrate-store table copied",
                  {{"table", plan.name}, {"rows", std::to_string(sources.back().rows())}});
        if (after_copy) after_copy(conn, plan.name);
    }
    // Checked once everything is in: a side effect of a later table on an earlier one
    // shows too.
    MigrateResult result;
    for (std::size_t i = 0; i < plans.size(); ++i) {
        check_copy(conn, plans[i], sources[i]);
        ++result.tables;
        result.rows += sources[i].rows();
    }
    for (const auto& t : order)
        conn.exec_script("ALTER TABLE " + quote_ident(t) + " ENABLE TRIGGER USER");
    advance_sequences(conn);
    // The audit trail says when the state moved; it also makes the database non-empty
    // for a second migrate-store even when the copied state was a new one.
    conn.exec(
        "INSERT INTO activity_log (at, actor, action, object, details) VALUES "
        "(CAST(extract(epoch FROM now()) AS bigint), 'wardend', 'store.migrate', 'postgresql', $1)",
        {"from=sqlite tables=" + std::to_string(result.tables) +
         " rows=" + std::to_string(result.rows)});
    return result;
}

void check_same_schema(sqlite3* db, pg::Connection& conn) {
    Statement s(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    s.step();
    const auto ours = s.int64(0);
    const auto theirs =
        conn.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version").int64(0, 0);
    if (ours != theirs)
        throw MigrateFailure("schema versions differ: sqlite=" + std::to_string(ours) +
                             " postgresql=" + std::to_string(theirs));
}

}  // namespace

MigrateResult migrate_sqlite_to_postgresql(const std::string& sqlite_path,
                                           const std::string& conninfo,
                                           const AfterTableCopied& after_copy) {
    const auto started = std::chrono::steady_clock::now();
    // open_sqlite would create a new, empty state: a typo must not migrate nothing.
    if (std::error_code ec; !std::filesystem::exists(sqlite_path, ec))
        return {"sqlite: no database at " + sqlite_path};
    // Both at the current schema first (each open applies its pending migrations).
    if (auto opened = open_sqlite(sqlite_path); !opened.store) return {"sqlite: " + opened.error};
    if (auto opened = open_postgresql(conninfo); !opened.store) return {opened.error};
    try {
        sqlite3* raw = nullptr;
        const int rc = sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
        DbHandle db(raw);
        check(db.get(), rc, "open " + sqlite_path);
        sqlite3_busy_timeout(db.get(), 5000);
        // One read transaction: every table comes from the same snapshot.
        exec(db.get(), "BEGIN");
        auto conn = pg::Connection::open(conninfo);
        conn.exec_script("BEGIN ISOLATION LEVEL SERIALIZABLE");
        try {
            check_same_schema(db.get(), conn);
            auto result = copy_all(db.get(), conn, after_copy);
            conn.exec_script("COMMIT");
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            log::info("migrate-store done", {{"tables", std::to_string(result.tables)},
                                             {"rows", std::to_string(result.rows)},
                                             {"ms", std::to_string(ms)}});
            return result;
        } catch (...) {
            try {
                conn.exec_script("ROLLBACK");
            } catch (...) {  // the connection is gone: the server rolled back
            }
            throw;
        }
    } catch (const std::exception& e) {
        log::error("migrate-store failed", {{"error", e.what()}});
        return {e.what()};
    }
}

}  // namespace warden::store

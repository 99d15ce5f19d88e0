// PgStore: opening (connect, migrate), transactions, logs, schema version and checks.
// Durability: a commit waits for the server's WAL flush (synchronous_commit as the
// server is configured); transaction_without_fsync turns that off for one transaction.
#include "daemon/store/pg_store.hpp"

#include <set>

#include "daemon/store/migrations.hpp"

namespace warden::store {
namespace {

// Serializes migrations of nodes that open one database at the same time
// (pg_advisory_lock key: "warden" in ASCII).
constexpr std::int64_t kMigrationLock = 0x77617264656e;

ActivityEntry read_activity(const pg::Result& r, int row) {
    return {r.int64(row, 0), r.int64(row, 1), r.text(row, 2),
            r.text(row, 3),  r.text(row, 4),  r.text(row, 5)};
}

ConnectionEntry read_connection(const pg::Result& r, int row) {
    ConnectionEntry e;
    e.id = r.int64(row, 0);
    e.at = r.int64(row, 1);
    // Unknown text (never written by wardend) reads as a refusal, the least claim.
    e.event = parse_connection_event(r.text(row, 2)).value_or(ConnectionEvent::Refused);
    e.device_id = r.optional_int64(row, 3);
    e.device_name = r.text(row, 4);
    e.instance = r.text(row, 5);
    e.real_address = r.text(row, 6);
    e.vpn_ip = r.text(row, 7);
    e.bytes_received = static_cast<std::uint64_t>(r.int64(row, 8));
    e.bytes_sent = static_cast<std::uint64_t>(r.int64(row, 9));
    e.duration = r.int64(row, 10);
    e.reason = r.text(row, 11);
    return e;
}

// Applies the migrations the database lacks, each in its own transaction, under an
// advisory lock. Returns an error text for a schema newer than this build.
std::string migrate(pg::Connection& conn) {
    conn.exec("SELECT pg_advisory_lock($1::bigint)", {kMigrationLock});
    struct Unlock {
        pg::Connection& conn;
        ~Unlock() {
            try {
                conn.exec("SELECT pg_advisory_unlock($1::bigint)", {kMigrationLock});
            } catch (...) {  // the lock goes with the session anyway
            }
        }
    } unlock{conn};
    conn.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL, applied_at bigint "
        "NOT NULL)");
    std::set<std::int64_t> applied;
    const auto versions = conn.exec("SELECT version FROM schema_version");
    for (int i = 0; i < versions.rows(); ++i) applied.insert(versions.int64(i, 0));
    const int have = applied.empty() ? 0 : static_cast<int>(*applied.rbegin());
    const int known = pg_migrations().empty() ? 0 : pg_migrations().back().version;
    if (have > known) {
        return "database schema version " + std::to_string(have) + " is newer than this wardend (" +
               std::to_string(known) + "); refusing to open it";
    }
    // Like SQLite: every migration not recorded yet, not only those above the highest.
    for (const auto& m : pg_migrations()) {
        if (applied.count(m.version)) continue;
        conn.exec_script("BEGIN");
        try {
            conn.exec_script(m.sql);
            conn.exec(
                "INSERT INTO schema_version (version, applied_at) VALUES ($1::bigint, "
                "CAST(extract(epoch FROM now()) AS bigint))",
                {m.version});
            conn.exec_script("COMMIT");
        } catch (...) {
            conn.exec_script("ROLLBACK");
            throw;
        }
    }
    return {};
}

}  // namespace

OpenResult open_postgresql(const std::string& conninfo, const std::string& application_name) {
    try {
        auto conn = pg::Connection::open(conninfo, application_name);
        // IF NOT EXISTS and friends report NOTICEs, which libpq would print to stderr.
        conn.exec_script("SET client_min_messages = warning");
        // Every error names the backend: PgError texts start with "postgresql: " too.
        if (std::string err = migrate(conn); !err.empty()) return {nullptr, "postgresql: " + err};
        return {std::make_unique<PgStore>(std::move(conn)), {}};
    } catch (const pg::PgError& e) {
        return {nullptr, e.what()};
    }
}

void PgStore::transaction(const std::function<void()>& fn) {
    if (in_transaction_) {
        fn();
        return;
    }
    conn_.exec_script("BEGIN");
    in_transaction_ = true;
    try {
        fn();
        // A statement failed inside and fn went on (caught it): PostgreSQL answers this
        // COMMIT with a ROLLBACK, reported as success. That must not look committed.
        if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR)
            throw pg::PgError("25P02",
                              "postgresql: a statement failed inside the transaction; rolled back");
        conn_.exec_script("COMMIT");
    } catch (...) {
        in_transaction_ = false;
        activity_.rolled_back();
        try {  // not after a failed COMMIT: that ended the transaction already
            if (conn_.in_transaction()) conn_.exec_script("ROLLBACK");
        } catch (const pg::PgError&) {  // connection lost: the server rolled back already
        }
        throw;
    }
    in_transaction_ = false;
    activity_.committed();
}

// SET LOCAL lasts until the end of this transaction: the commit returns before the WAL
// is flushed (survives a crash of wardend, not of the database server's machine).
void PgStore::transaction_without_fsync(const std::function<void()>& fn) {
    if (in_transaction_) return fn();
    transaction([&] {
        conn_.exec_script("SET LOCAL synchronous_commit = off");
        fn();
    });
}

void PgStore::log_activity(const ActivityEntry& e) {
    const auto r = conn_.exec(
        "INSERT INTO activity_log (at, actor, action, object, details) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        {e.at, e.actor, e.action, e.object, e.details});
    if (!activity_.wanted()) return;
    ActivityEntry stored = e;
    stored.id = r.int64(0, 0);
    activity_.written(std::move(stored), in_transaction_);
}

void PgStore::on_committed_activity(ActivityListener listener) {
    activity_.set_listener(std::move(listener));
}

std::vector<ActivityEntry> PgStore::activity(std::int64_t since, std::size_t limit) {
    const auto r = conn_.exec(
        "SELECT id, at, actor, action, object, details FROM activity_log WHERE at >= $1 "
        "ORDER BY id DESC LIMIT $2",
        {since, static_cast<std::int64_t>(limit)});
    std::vector<ActivityEntry> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_activity(r, i));
    return out;
}

void PgStore::log_connection(const ConnectionEntry& e) {
    conn_.exec(
        "INSERT INTO connection_log (at, event, device_id, device_name, instance, "
        "real_address, vpn_ip, bytes_received, bytes_sent, duration, reason) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        {e.at, to_string(e.event), e.device_id, e.device_name, e.instance, e.real_address, e.vpn_ip,
         static_cast<std::int64_t>(e.bytes_received), static_cast<std::int64_t>(e.bytes_sent),
         e.duration, e.reason});
}

std::vector<ConnectionEntry> PgStore::connections(std::optional<std::int64_t> device_id,
                                                  std::size_t limit) {
    const auto r = conn_.exec(
        "SELECT id, at, event, device_id, device_name, instance, real_address, vpn_ip, "
        "bytes_received, bytes_sent, duration, reason FROM connection_log "
        "WHERE $1::bigint IS NULL OR device_id = $1 ORDER BY id DESC LIMIT $2",
        {device_id, static_cast<std::int64_t>(limit)});
    std::vector<ConnectionEntry> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_connection(r, i));
    return out;
}

Outcome PgStore::backup(const std::string& /*path*/) {
    return Outcome::fail(Status::Invalid, "postgresql: use pg_dump");
}

int PgStore::schema_version() {
    return static_cast<int>(conn_.exec("SELECT MAX(version) FROM schema_version").int64(0, 0));
}

// The server checks pages itself (checksums, WAL); what can be wrong at our level and is
// cheap to see is an index left invalid (a failed CREATE INDEX CONCURRENTLY).
std::string PgStore::integrity_check() {
    const auto r = conn_.exec(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND NOT i.indisvalid ORDER BY c.relname");
    if (r.empty()) return "ok";
    std::string out;
    for (int i = 0; i < r.rows(); ++i)
        out += (out.empty() ? "" : "\n") + ("invalid index " + r.text(i, 0));
    return out;
}

}  // namespace warden::store

// Traffic per device per month, activity by object, and the online backup.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/store/backup.hpp"
#include "daemon/store/sqlite_store_parts.hpp"

namespace warden::store {
namespace {

std::uint64_t u64(const Statement& s, int column) {
    return static_cast<std::uint64_t>(s.int64(column));
}

// One step for all pages: one read transaction, so the copy is a consistent snapshot;
// in WAL mode the batch writer's connection keeps writing meanwhile.
void copy_database(sqlite3* from, sqlite3* to) {
    sqlite3_backup* raw = sqlite3_backup_init(to, "main", from, "main");
    if (!raw) throw SqliteError(sqlite3_errcode(to), std::string("backup: ") + sqlite3_errmsg(to));
    struct Finish {
        sqlite3_backup* b;
        ~Finish() { sqlite3_backup_finish(b); }
    } finish{raw};
    int rc = SQLITE_OK;
    for (int attempt = 0; attempt < 100; ++attempt) {
        rc = sqlite3_backup_step(raw, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        sqlite3_sleep(10);
    }
    if (rc != SQLITE_DONE) throw SqliteError(rc, std::string("backup: ") + sqlite3_errstr(rc));
}

}  // namespace

void UsageTables::add_traffic(const Traffic& t) {
    // A device deleted while its session was ending has nothing left to count against.
    Statement s(db_,
                "INSERT INTO traffic_monthly (device_id, month, bytes_received, bytes_sent) "
                "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM devices WHERE id = ?1) "
                "ON CONFLICT (device_id, month) DO UPDATE SET "
                "bytes_received = bytes_received + excluded.bytes_received, "
                "bytes_sent = bytes_sent + excluded.bytes_sent");
    s.bind(1, t.device_id).bind(2, std::int64_t{t.month});
    s.bind(3, static_cast<std::int64_t>(t.bytes_received));
    s.bind(4, static_cast<std::int64_t>(t.bytes_sent)).run();
}

std::vector<Traffic> UsageTables::traffic_of(std::int64_t device_id) {
    Statement s(db_,
                "SELECT device_id, month, bytes_received, bytes_sent FROM traffic_monthly "
                "WHERE device_id = ?1 ORDER BY month");
    s.bind(1, device_id);
    std::vector<Traffic> out;
    while (s.step())
        out.push_back({s.int64(0), static_cast<int>(s.int64(1)), u64(s, 2), u64(s, 3)});
    return out;
}

std::vector<std::array<Traffic, 3>> UsageTables::traffic_summary(int month, int previous) {
    Statement s(db_,
                "SELECT device_id, "
                "SUM(CASE WHEN month = ?1 THEN bytes_received ELSE 0 END), "
                "SUM(CASE WHEN month = ?1 THEN bytes_sent ELSE 0 END), "
                "SUM(CASE WHEN month = ?2 THEN bytes_received ELSE 0 END), "
                "SUM(CASE WHEN month = ?2 THEN bytes_sent ELSE 0 END), "
                "SUM(bytes_received), SUM(bytes_sent) "
                "FROM traffic_monthly GROUP BY device_id ORDER BY device_id");
    s.bind(1, std::int64_t{month}).bind(2, std::int64_t{previous});
    std::vector<std::array<Traffic, 3>> out;
    while (s.step()) {
        const std::int64_t id = s.int64(0);
        out.push_back({Traffic{id, month, u64(s, 1), u64(s, 2)},
                       Traffic{id, previous, u64(s, 3), u64(s, 4)},
                       Traffic{id, 0, u64(s, 5), u64(s, 6)}});
    }
    return out;
}

std::vector<ActivityEntry> UsageTables::activity_for(std::string_view object, std::int64_t since,
                                                     std::size_t limit) {
    Statement s(db_,
                "SELECT id, at, actor, action, object, details FROM activity_log "
                "WHERE object = ?1 AND at >= ?2 ORDER BY id DESC LIMIT ?3");
    s.bind(1, object).bind(2, since).bind(3, static_cast<std::int64_t>(limit));
    std::vector<ActivityEntry> out;
    while (s.step())
        out.push_back({s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4), s.text(5)});
    return out;
}

Outcome UsageTables::backup(const std::string& path) {
    // O_EXCL: never overwrite; 0600 from the first byte: the copy holds private keys.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return Outcome::fail(Status::Duplicate, "file: " + path + " exists");
        return Outcome::fail(Status::Invalid, "file: " + path + ": " + std::strerror(errno));
    }
    ::close(fd);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    DbHandle to(raw);
    if (rc != SQLITE_OK) {
        ::unlink(path.c_str());
        return Outcome::fail(Status::Invalid, "file: " + path + ": " + sqlite3_errstr(rc));
    }
    try {
        copy_database(db_, to.get());
        // One self-contained file: the copy leaves WAL mode (no -wal/-shm beside it).
        exec(to.get(), "PRAGMA journal_mode = DELETE");
    } catch (...) {
        to.reset();
        ::unlink(path.c_str());
        throw;
    }
    return Outcome::success();
}

DatabaseCheck inspect_database(const std::string& path) {
    DatabaseCheck out;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    DbHandle db(raw);
    if (rc != SQLITE_OK) {
        out.error = std::string("open: ") + sqlite3_errstr(rc);
        return out;
    }
    try {
        Statement check(db.get(), "PRAGMA integrity_check");
        while (check.step()) out.integrity += (out.integrity.empty() ? "" : "\n") + check.text(0);
        Statement devices(db.get(), "SELECT COUNT(*) FROM devices");
        devices.step();
        out.devices = static_cast<std::size_t>(devices.int64(0));
        Statement version(db.get(), "SELECT MAX(version) FROM schema_version");
        version.step();
        out.schema_version = static_cast<int>(version.int64(0));
    } catch (const SqliteError& e) {
        out.error = e.what();
    }
    return out;
}

}  // namespace warden::store

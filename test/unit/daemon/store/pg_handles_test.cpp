// libpq handles (daemon/store/pg_handles.hpp) and what only the PostgreSQL store has:
// errors carry their SQLSTATE, NULL parameters, a refused connection is a clear PgError,
// a guarded statement leaves its transaction usable, migrations and backup.
#include <poll.h>

#include <catch2/catch.hpp>

#include <thread>

#include "daemon/store/migrations.hpp"
#include "daemon/store/pg_handles.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::pg_conninfo;
using warden::store::test::TempDir;

namespace {

pg::Connection connect(const TempDir& dir) {
    return pg::Connection::open(pg_conninfo(dir));
}

}  // namespace

TEST_CASE("pg: a failed statement is a PgError carrying its SQLSTATE") {
    TempDir dir;
    auto conn = connect(dir);
    conn.exec_script("CREATE TABLE t (k text PRIMARY KEY, n bigint CHECK (n > 0))");
    conn.exec("INSERT INTO t VALUES ($1, $2)", {"a", 1});
    try {
        conn.exec("INSERT INTO t VALUES ($1, $2)", {"a", 2});
        FAIL("a duplicate key was accepted");
    } catch (const pg::PgError& e) {
        CHECK(e.sqlstate == "23505");
        CHECK(e.unique_violation());
        CHECK(e.constraint_violation());
        CHECK(std::string(e.what()).find("duplicate key") != std::string::npos);
    }
    try {
        conn.exec("INSERT INTO t VALUES ($1, $2)", {"b", 0});
        FAIL("a CHECK violation was accepted");
    } catch (const pg::PgError& e) {
        CHECK(e.sqlstate == "23514");
        CHECK_FALSE(e.unique_violation());
        CHECK(e.constraint_violation());
    }
    try {
        conn.exec_script("DO $$ BEGIN RAISE EXCEPTION 'license: no free seat'; END $$");
        FAIL("RAISE did not throw");
    } catch (const pg::PgError& e) {
        CHECK(e.raised());
        CHECK(std::string(e.what()).find("license: no free seat") != std::string::npos);
    }
    CHECK_THROWS_AS(conn.exec("SELEC 1"), pg::PgError);
}

TEST_CASE("pg: NULL parameters and NULL columns") {
    TempDir dir;
    auto conn = connect(dir);
    const auto r = conn.exec("SELECT $1::bigint, $2::text, $1::bigint IS NULL, $3::bigint",
                             {std::nullopt, std::nullopt, std::optional<std::int64_t>(7)});
    CHECK(r.is_null(0, 0));
    CHECK(r.optional_int64(0, 0) == std::nullopt);
    CHECK(r.int64(0, 0) == 0);
    CHECK(r.is_null(0, 1));
    CHECK(r.text(0, 1).empty());
    CHECK(r.boolean(0, 2));
    CHECK(r.optional_int64(0, 3) == 7);
    // An empty string is not NULL.
    CHECK_FALSE(conn.exec("SELECT $1::text IS NULL", {""}).boolean(0, 0));
}

TEST_CASE("pg: a refused connection is a clear PgError, and open_postgresql an error text") {
    TempDir dir;  // no server listens on a socket in a fresh folder
    const std::string conninfo = "host=" + dir.path.string() + " dbname=warden connect_timeout=2";
    try {
        pg::Connection::open(conninfo);
        FAIL("connected to nothing");
    } catch (const pg::PgError& e) {
        CHECK(e.sqlstate.empty());
        CHECK(e.connection_lost());
        const std::string what = e.what();
        CHECK(what.rfind("postgresql: ", 0) == 0);
        CHECK(what.find(dir.path.string()) != std::string::npos);  // names where it tried
    }
    const auto opened = open_postgresql(conninfo);
    CHECK_FALSE(opened.store);
    CHECK(opened.error.rfind("postgresql: ", 0) == 0);
}

TEST_CASE("pg: a guarded statement's failure leaves the transaction usable") {
    TempDir dir;
    auto conn = connect(dir);
    conn.exec_script("CREATE TABLE t (k text PRIMARY KEY)");
    conn.exec("INSERT INTO t VALUES ('a')");
    conn.exec_script("BEGIN");
    CHECK(conn.in_transaction());
    conn.exec("INSERT INTO t VALUES ('b')");
    CHECK_THROWS_AS(conn.exec_guarded("INSERT INTO t VALUES ('a')"), pg::PgError);
    CHECK(conn.exec("SELECT COUNT(*) FROM t").int64(0, 0) == 2);  // not aborted
    conn.exec_script("COMMIT");
    CHECK_FALSE(conn.in_transaction());
    CHECK(conn.exec("SELECT COUNT(*) FROM t").int64(0, 0) == 2);
    // Unguarded, the same failure aborts the transaction (why exec_guarded exists).
    conn.exec_script("BEGIN");
    CHECK_THROWS(conn.exec("INSERT INTO t VALUES ('a')"));
    try {
        conn.exec("SELECT 1");
        FAIL("an aborted transaction ran a statement");
    } catch (const pg::PgError& e) {
        CHECK(e.sqlstate == "25P02");
    }
    conn.exec_script("ROLLBACK");
}

TEST_CASE("pg: every migration is applied once, numbered as SQLite's") {
    REQUIRE(pg_migrations().size() == migrations().size());
    for (std::size_t i = 0; i < migrations().size(); ++i) {
        CHECK(pg_migrations()[i].version == migrations()[i].version);
        CHECK(pg_migrations()[i].name == migrations()[i].name);
    }
    TempDir dir;
    {
        auto store = open_fresh(dir);
        CHECK(store->schema_version() == pg_migrations().back().version);
    }
    auto store = open_fresh(dir);  // a second open applies nothing again
    auto conn = connect(dir);
    CHECK(conn.exec("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version").int64(0, 0) ==
          static_cast<std::int64_t>(pg_migrations().size()));
    CHECK(conn.exec("SELECT COUNT(DISTINCT version) FROM schema_version").int64(0, 0) ==
          static_cast<std::int64_t>(pg_migrations().size()));
}

TEST_CASE("pg: nodes opening one new database at once migrate it once") {
    TempDir dir;
    const std::string conninfo = pg_conninfo(dir);
    std::vector<OpenResult> opened(4);
    std::vector<std::thread> nodes;
    for (auto& result : opened)
        nodes.emplace_back([&result, &conninfo] { result = open_postgresql(conninfo); });
    for (auto& t : nodes) t.join();
    for (const auto& result : opened) {
        INFO(result.error);
        CHECK(result.store);
    }
    auto conn = connect(dir);
    CHECK(conn.exec("SELECT COUNT(*) FROM schema_version").int64(0, 0) ==
          static_cast<std::int64_t>(pg_migrations().size()));
    CHECK(conn.exec("SELECT COUNT(*) FROM groups WHERE name = 'default'").int64(0, 0) == 1);
}

TEST_CASE("pg: backup is not a file copy but pg_dump's job") {
    TempDir dir;
    auto store = open_fresh(dir);
    const auto out = store->backup(dir.file("copy.db"));
    CHECK(out.status == Status::Invalid);
    CHECK(out.message == "postgresql: use pg_dump");
}

// SQLite keeps a transaction going after a failed statement; PostgreSQL aborts it and
// answers COMMIT with a silent ROLLBACK. The store must report that, not success.
TEST_CASE("pg: a transaction whose statement failed is not reported committed") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK_THROWS_AS(store->transaction([&] {
        Device d;
        d.name = "kept?";
        d.vpn_ip = 1;
        REQUIRE(store->add_device(d).ok());
        Rule bad;
        bad.from_group = bad.to_group = "default";
        bad.proto = "sctp";  // the CHECK refuses it: an exception, caught here
        try {
            store->add_rule(bad);
        } catch (const pg::PgError&) {
        }
    }),
                    pg::PgError);
    CHECK(store->device_count() == 0);
    Device d;  // and the store goes on
    d.name = "next";
    d.vpn_ip = 2;
    CHECK(store->add_device(d).ok());
}

namespace {

// Ends `victim`'s server process from another connection, as a server restart or a
// failover would; `victim` notices at its next statement.
void kill_backend(const TempDir& dir, pg::Connection& victim) {
    auto admin = connect(dir);
    const auto pid = static_cast<std::int64_t>(PQbackendPID(victim.get()));
    const auto killed = admin.exec("SELECT pg_terminate_backend($1::int)", {pid});
    REQUIRE(killed.boolean(0, 0));
    // Bounded: the server ends the backend asynchronously.
    for (int i = 0; i < 500; ++i) {
        if (admin.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", {pid})
                .int64(0, 0) == 0) {
            // Gone from the list a moment before its process exits and the socket closes:
            // wait for the close itself (as a restart leaves it by the time we notice).
            pollfd fd{PQsocket(victim.get()), POLLRDHUP, 0};
            REQUIRE(::poll(&fd, 1, 5000) == 1);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the backend did not end within 5 s");
}

}  // namespace

// A restart or failover closes idle connections from the server's side: the next
// statement finds that out before it is sent and runs on a new connection (it used to
// fail, so the first command after a database restart failed).
TEST_CASE("pg: a connection the server closed is opened again before the next statement") {
    TempDir dir;
    auto conn = connect(dir);
    conn.exec_script("CREATE TABLE t (n bigint)");
    kill_backend(dir, conn);
    conn.exec("INSERT INTO t VALUES (1)");
    CHECK(conn.reconnects() == 1);
    CHECK(conn.exec("SELECT count(*) FROM t WHERE n = 1").int64(0, 0) == 1);
    kill_backend(dir, conn);
    conn.exec_script("INSERT INTO t VALUES (2)");
    CHECK(conn.reconnects() == 2);
}

TEST_CASE("pg: a connection lost in a transaction is not opened again until its ROLLBACK") {
    TempDir dir;
    auto conn = connect(dir);
    conn.exec_script("CREATE TABLE t (n bigint)");
    conn.exec_script("BEGIN");
    conn.exec("INSERT INTO t VALUES (1)");
    kill_backend(dir, conn);
    CHECK_THROWS_AS(conn.exec("INSERT INTO t VALUES (2)"), pg::PgError);
    // Not in autocommit on a new connection: the rest of the transaction fails too.
    try {
        conn.exec("INSERT INTO t VALUES (3)");
        FAIL("a statement ran outside its lost transaction");
    } catch (const pg::PgError& e) {
        CHECK(std::string(e.what()).find("connection lost in a transaction") != std::string::npos);
    }
    conn.exec_script("ROLLBACK");  // nothing left to undo: no error
    CHECK(conn.reconnects() == 0);
    CHECK(conn.exec("SELECT count(*) FROM t").int64(0, 0) == 0);
    CHECK(conn.reconnects() == 1);
}

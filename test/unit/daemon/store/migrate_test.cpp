// `wardend migrate-store` (issue 14): an SQLite state with a row in every table is copied
// into PostgreSQL and reads back the same through the Store API; a second copy, and a copy
// that does not match its source, are refused and leave nothing behind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "daemon/store/migrate.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::pg_conninfo;
using warden::store::test::TempDir;

namespace {

std::string opt(const std::optional<std::int64_t>& v) {
    return v ? std::to_string(*v) : "-";
}

std::int64_t add_device(Store& store, const std::string& name, std::uint32_t ip,
                        const std::string& group = "default") {
    Device d;
    d.name = name;
    d.vpn_ip = ip;
    d.group = group;
    d.email = name + "@example.org";
    d.state_since = 100;
    d.created_at = 100;
    REQUIRE(store.add_device(d).ok());
    return d.id;
}

Certificate make_cert(const std::string& serial, std::int64_t device_id) {
    Certificate c;
    c.serial = serial;
    c.device_id = device_id;
    c.common_name = "cn-" + serial;
    c.fingerprint = "ff" + serial;
    c.not_after = 2000000000;
    c.cert_pem = "CERT " + serial;
    c.key_pem = "KEY " + serial;
    c.created_at = 100;
    return c;
}

CertSighting sighting(const std::string& fingerprint) {
    CertSighting c;
    c.fingerprint = fingerprint;
    c.serial = "1001";
    c.common_name = "station";
    c.subject = "O=Vendor, CN=station";
    c.issuer = "O=Vendor, CN=vendor CA";
    c.enroll_ca = "vendor";
    c.not_after = 9000;
    c.address = "192.0.2.7:40000";
    c.peer_version = "2.6.14";
    c.peer_platform = "linux";
    return c;
}

// At least one row in every table, through the Store API only.
void fill(Store& store) {
    Group office;
    office.name = "office";
    office.created_at = 50;
    REQUIRE(store.add_group(office).ok());
    REQUIRE(store.set_group_requires_totp("office", true).ok());
    const auto alice = add_device(store, "alice", 0x0a080002, "office");
    const auto bob = add_device(store, "bob", 0x0a080003);
    const auto carol = add_device(store, "carol", 0x0a080004);
    REQUIRE(store.set_key_password(alice, "secret 'quoted' \"pw\"\n").ok());

    REQUIRE(store.add_certificate(make_cert("0a", alice)).ok());
    REQUIRE(store.add_certificate(make_cert("0b", bob)).ok());
    REQUIRE(store.add_certificate(make_cert("0c", bob)).ok());
    REQUIRE(store.revoke_certificate("0b", 300).ok());

    Rule rule;
    rule.from_group = "office";
    rule.to_group = "default";
    rule.both = true;
    rule.proto = "tcp";
    rule.ports = "80,443";
    rule.created_at = 60;
    REQUIRE(store.add_rule(rule).ok());

    License lab;
    lab.name = "lab";
    lab.seats = 5;
    lab.expires_at = 5000;
    lab.created_at = 70;
    REQUIRE(store.add_license(lab).ok());
    REQUIRE(store.assign_license(bob, "lab", 400).ok());
    REQUIRE(store.unassign_license(carol, 410).ok());

    Totp totp;
    totp.device_id = alice;
    totp.secret = "JBSWY3DPEHPK3PXP";
    totp.confirmed_at = 120;
    totp.enforced = true;
    totp.last_step = 42;
    totp.created_at = 110;
    store.put_totp(totp);
    store.set_password_hash(bob, "$6$salt$hash");
    store.set_login_failures(bob, 2, 900, 1);
    OneTimeCode code;
    code.device_id = alice;
    code.code_hash = "abc123";
    code.created_at = 100;
    code.expires_at = 800;
    store.add_one_time_code(code);
    store.add_token_session("session-1", alice, 130, 0);

    TrSettings tr;
    tr.device_id = carol;
    tr.mode = TrMode::Duration;
    tr.start = 1000;
    tr.end = 9000;
    tr.duration = 600;
    REQUIRE(store.put_tr_settings(tr).ok());
    store.set_tr_release(carol, 1600);
    TrToken token;
    token.token_hash = "tokenhash";
    token.device_id = carol;
    token.created_at = 1000;
    token.expires_at = 2000;
    store.add_tr_token(token);

    QueuedMail mail;
    mail.created_at = 10;
    mail.recipient = "ops@example.org";
    mail.subject = "Subject";
    mail.body = "Body\nline 2 ünïcode";
    mail.kind = "test";
    mail.next_attempt_at = 20;
    store.enqueue_mail(mail);
    store.mark_mail_retry(mail.id, 30, "server said no");

    store.put_offline_alert({bob, 500, 560});

    EnrollCa ca;
    ca.name = "vendor";
    ca.subject = "CN=vendor";
    ca.fingerprint = "AA:BB";
    ca.not_after = 9000;
    ca.cert_pem = "PEM";
    ca.added_at = 10;
    REQUIRE(store.add_enroll_ca(ca).ok());
    REQUIRE(store.note_pending(sighting("F1"), PendingState::Pending, 700, 10));
    REQUIRE(store.note_pending(sighting("F2"), PendingState::UpdateRequired, 710, 10));
    RejectedCert rejected;
    rejected.cert = sighting("F3");
    rejected.rejected_at = 720;
    rejected.rejected_by = "admin";
    REQUIRE(store.reject_cert(rejected).ok());

    store.log_activity({0, 200, "admin", "device add", "alice", "ip=10.8.0.2"});
    ConnectionEntry conn;
    conn.at = 210;
    conn.device_id = alice;
    conn.device_name = "alice";
    conn.real_address = "192.0.2.1:1194";
    conn.bytes_received = 1234;
    store.log_connection(conn);
    store.add_traffic({alice, 202612, 100, 200});
}

// What the Store API shows of the filled state, one line per record.
std::vector<std::string> describe(Store& store) {
    std::vector<std::string> out;
    for (const auto& d : store.list_devices()) {
        out.push_back("device " + std::to_string(d.id) + " " + d.name + " " + d.group + " " +
                      std::to_string(d.vpn_ip) + " " + d.email + " " +
                      std::to_string(d.created_at) + " kp=" + store.key_password(d.id));
        const auto seat = store.seat_of(d.id);
        out.push_back("seat " + std::to_string(d.id) + " " +
                      (seat.license ? seat.license->name : "-") + " " + std::to_string(seat.since));
        for (const auto& c : store.certificates_of(d.id))
            out.push_back("cert " + c.serial + " " + c.key_pem + " " + opt(c.revoked_at));
        const auto login = store.login_state(d.id);
        out.push_back("login " + login.password_hash + " " + std::to_string(login.failures) + " " +
                      std::to_string(login.locked_until) + " " + std::to_string(login.lock_level));
        if (auto t = store.find_totp(d.id))
            out.push_back("totp " + t->secret + " " + opt(t->confirmed_at) + " " +
                          std::to_string(t->last_step));
        for (const auto& t : store.tr_tokens(d.id))
            out.push_back("tr token " + std::to_string(t.id) + " " + t.token_hash);
        for (const auto& t : store.traffic_of(d.id))
            out.push_back("traffic " + std::to_string(t.month) + " " +
                          std::to_string(t.bytes_received) + " " + std::to_string(t.bytes_sent));
    }
    for (const auto& c : store.certificate_summaries()) out.push_back("summary " + c.serial);
    for (const auto& r : store.revoked_serials())
        out.push_back("revoked " + r.serial + " " + std::to_string(r.revoked_at));
    for (const auto& g : store.list_groups())
        out.push_back("group " + std::to_string(g.id) + " " + g.name + " " +
                      std::to_string(g.devices) + " " + std::to_string(g.rules) +
                      " totp=" + std::to_string(*store.group_requires_totp(g.name)));
    for (const auto& r : store.list_rules())
        out.push_back("rule " + std::to_string(r.id) + " " + r.from_group + " " + r.to_group + " " +
                      r.proto + " " + r.ports);
    for (const auto& l : store.list_licenses())
        out.push_back("license " + std::to_string(l.id) + " " + l.name + " " +
                      std::to_string(l.seats) + " used=" + std::to_string(l.used) + " " +
                      opt(l.expires_at));
    for (const auto& c : store.one_time_codes(std::nullopt))
        out.push_back("code " + std::to_string(c.id) + " " + c.device_name + " " + c.code_hash);
    out.push_back("session " + opt(store.token_session_device("session-1")));
    for (const auto& t : store.all_tr_settings())
        out.push_back("tr " + std::to_string(t.device_id) + " " + opt(t.released_until));
    for (const auto& m : store.list_mail(std::nullopt))
        out.push_back("mail " + std::to_string(m.id) + " " + m.body + " " + m.last_error + " " +
                      std::to_string(m.attempts));
    for (const auto& a : store.offline_alerts())
        out.push_back("alert " + std::to_string(a.device_id) + " " +
                      std::to_string(a.offline_since));
    for (const auto& c : store.enroll_cas()) out.push_back("ca " + c.name + " " + c.fingerprint);
    for (const auto& p : store.pending_certs())
        out.push_back("pending " + p.cert.fingerprint + " " + std::string(to_string(p.state)));
    for (const auto& r : store.rejected_certs())
        out.push_back("rejected " + r.cert.fingerprint + " " + r.rejected_by);
    for (const auto& a : store.activity(0, 100))
        out.push_back("activity " + std::to_string(a.id) + " " + a.action + " " + a.object);
    for (const auto& c : store.connections(std::nullopt, 100))
        out.push_back("connection " + std::to_string(c.id) + " " + c.real_address + " " +
                      std::to_string(c.bytes_received));
    return out;
}

// Changes the SQLite state behind the Store's back (a schema that drifted).
void sqlite_exec(const TempDir& dir, const std::string& sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(dir.file("warden.db").c_str(), &raw) == SQLITE_OK);
    DbHandle db(raw);
    exec(db.get(), sql);
}

std::int64_t count(pg::Connection& conn, const std::string& table) {
    return conn.exec("SELECT COUNT(*) FROM " + table).int64(0, 0);
}

// The state of a filled SQLite store in `dir`, and what it shows.
std::vector<std::string> filled_sqlite(const TempDir& dir) {
    auto opened = open_sqlite(dir.file("warden.db"));
    REQUIRE(opened.store);
    fill(*opened.store);
    return describe(*opened.store);
}

}  // namespace

TEST_CASE("migrate-store: every table is copied and reads back the same") {
    TempDir dir;
    const auto before = filled_sqlite(dir);
    const auto conninfo = pg_conninfo(dir);

    const auto result = migrate_sqlite_to_postgresql(dir.file("warden.db"), conninfo);
    INFO(result.error);
    REQUIRE(result.error.empty());
    CHECK(result.tables == 25);
    {
        // No table left empty: the fill reached every one of them, except those only
        // nodes on PostgreSQL write (schema 12: SQLite is one node, they stay empty).
        const std::set<std::string> node_tables = {"changes", "node_orders", "node_pki",
                                                   "node_sessions", "nodes"};
        auto conn = pg::Connection::open(conninfo);
        const auto tables = conn.exec(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'");
        CHECK(tables.rows() == result.tables);
        for (int i = 0; i < tables.rows(); ++i) {
            INFO("table " << tables.text(i, 0));
            if (node_tables.count(tables.text(i, 0)) != 0) continue;
            CHECK(count(conn, tables.text(i, 0)) > 0);
        }
    }

    auto opened = open_postgresql(conninfo);
    REQUIRE(opened.store);
    auto& pg_store = *opened.store;
    // The same, and the migration's own entry in the activity log.
    auto after = describe(pg_store);
    const auto migrated = std::find_if(after.begin(), after.end(), [](const auto& line) {
        return line.find("store.migrate postgresql") != std::string::npos;
    });
    REQUIRE(migrated != after.end());
    after.erase(migrated);
    CHECK(after == before);
    // Seats: not counted twice by the seat triggers, and they still work after the copy.
    const auto def = pg_store.find_license("default");
    REQUIRE(def);
    CHECK(def->used == 1);  // alice (bob moved to lab, carol unassigned)
    CHECK(pg_store.find_license("lab")->used == 1);
    const auto dave = add_device(pg_store, "dave", 0x0a080005);
    CHECK(dave > pg_store.find_device("carol")->id);
    CHECK(pg_store.find_license("default")->used == 2);
    // Every identity continues after the copied ids.
    std::int64_t highest_group = 0;
    for (const auto& group : pg_store.list_groups())
        highest_group = std::max(highest_group, group.id);
    Group g;
    g.name = "new";
    REQUIRE(pg_store.add_group(g).ok());
    CHECK(g.id > highest_group);
    OneTimeCode code;
    code.device_id = dave;
    code.code_hash = "h";
    code.expires_at = 10;
    pg_store.add_one_time_code(code);
    CHECK(code.id == 2);
    REQUIRE(pg_store.add_certificate(make_cert("0d", dave)).ok());
    CHECK(pg_store.certificate_summaries().back().serial == "0d");  // issue order kept
}

TEST_CASE("migrate-store: a database that is not empty is refused and left alone") {
    TempDir dir;
    filled_sqlite(dir);
    const auto conninfo = pg_conninfo(dir);
    REQUIRE(migrate_sqlite_to_postgresql(dir.file("warden.db"), conninfo).error.empty());
    auto conn = pg::Connection::open(conninfo);
    const auto devices = count(conn, "devices");

    const auto again = migrate_sqlite_to_postgresql(dir.file("warden.db"), conninfo);
    CHECK_THAT(again.error, Catch::Contains("is not empty"));
    CHECK(count(conn, "devices") == devices);
}

TEST_CASE("migrate-store: a copy that differs from its source is rolled back, naming the table") {
    TempDir dir;
    filled_sqlite(dir);
    const auto conninfo = pg_conninfo(dir);
    SECTION("a changed value") {
        const auto result = migrate_sqlite_to_postgresql(
            dir.file("warden.db"), conninfo, [](pg::Connection& conn, const std::string& table) {
                if (table == "licenses") conn.exec_script("UPDATE licenses SET used = used + 1");
            });
        CHECK_THAT(result.error, Catch::Contains("table=licenses check failed"));
        CHECK_THAT(result.error, Catch::Contains("digests differ"));
    }
    SECTION("an extra row") {
        const auto result = migrate_sqlite_to_postgresql(
            dir.file("warden.db"), conninfo, [](pg::Connection& conn, const std::string& table) {
                if (table == "activity_log")
                    conn.exec_script(
                        "INSERT INTO activity_log (id, at, actor, action) VALUES (999, 1, "
                        "'x', 'y')");
            });
        CHECK_THAT(result.error, Catch::Contains("table=activity_log check failed: rows sqlite=1 "
                                                 "postgresql=2"));
    }
    // Nothing was committed: the database takes a migration afterwards.
    auto conn = pg::Connection::open(conninfo);
    CHECK(count(conn, "devices") == 0);
    CHECK(migrate_sqlite_to_postgresql(dir.file("warden.db"), conninfo).error.empty());
}

TEST_CASE("migrate-store: a table or column on one side only is refused, naming it") {
    TempDir dir;
    filled_sqlite(dir);
    SECTION("a table") {
        sqlite_exec(dir, "CREATE TABLE local_notes (note TEXT)");
        const auto result = migrate_sqlite_to_postgresql(dir.file("warden.db"), pg_conninfo(dir));
        CHECK(result.error == "table=local_notes missing in postgresql");
    }
    SECTION("a column") {
        sqlite_exec(dir, "ALTER TABLE devices ADD COLUMN note TEXT");
        const auto result = migrate_sqlite_to_postgresql(dir.file("warden.db"), pg_conninfo(dir));
        CHECK(result.error == "table=devices column=note missing in postgresql");
    }
    auto conn = pg::Connection::open(pg_conninfo(dir));
    CHECK(count(conn, "devices") == 0);
}

TEST_CASE("migrate-store: a missing SQLite file is an error, not an empty copy") {
    TempDir dir;
    const auto result = migrate_sqlite_to_postgresql(dir.file("nope.db"), pg_conninfo(dir));
    CHECK_THAT(result.error, Catch::Contains("no database at"));
}

// Store contract, part 2: licenses and seats, traffic per month, activity by object,
// online backup, and the upgrade from schema 1 (existing devices keep connecting).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "daemon/store/backup.hpp"
#include "daemon/store/migrations.hpp"
#include "daemon/store/sqlite_handles.hpp"
#include "daemon/store/store.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::TempDir;
namespace fs = std::filesystem;

namespace {

Device add(Store& store, const std::string& name, std::uint32_t ip) {
    Device d;
    d.name = name;
    d.vpn_ip = ip;
    d.state_since = d.created_at = 100;
    REQUIRE(store.add_device(d).ok());
    return d;
}

License license(const std::string& name, std::int64_t seats,
                std::optional<std::int64_t> expires = std::nullopt) {
    License l;
    l.name = name;
    l.seats = seats;
    l.expires_at = expires;
    l.created_at = 50;
    return l;
}

}  // namespace

TEST_CASE("store: license default exists and new devices take its seats while free") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto def = store->find_license("default");
    REQUIRE(def);
    CHECK(def->seats == 1000);
    CHECK_FALSE(def->expires_at);
    REQUIRE(store->set_license_seats("default", 2).ok());
    auto a = add(*store, "a", 1);
    auto b = add(*store, "b", 2);
    auto c = add(*store, "c", 3);
    CHECK(store->seat_of(a.id).license->name == "default");
    CHECK(store->seat_of(a.id).since == 100);
    CHECK(store->seat_of(b.id).license);
    CHECK_FALSE(store->seat_of(c.id).license);  // default is full
    CHECK(store->find_license("default")->used == 2);
    CHECK(store->set_license_seats("default", 1).status == Status::Invalid);
    CHECK(store->set_license_seats("nope", 1).status == Status::NotFound);
    REQUIRE(store->delete_device("a", 200).ok());  // deleting frees the seat
    CHECK(store->find_license("default")->used == 1);
    CHECK(store->devices_with_license(def->id) == std::vector<std::int64_t>{b.id});
}

TEST_CASE("store: licenses are added, assigned within their seats, unassigned") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = add(*store, "a", 1);
    auto b = add(*store, "b", 2);
    auto gold = license("gold", 1, 5000);
    REQUIRE(store->add_license(gold).ok());
    CHECK(gold.id > 0);
    auto dup = license("gold", 3);
    CHECK(store->add_license(dup).status == Status::Duplicate);
    CHECK(store->list_licenses().size() == 2);

    REQUIRE(store->assign_license(a.id, "gold", 300).ok());
    auto seat = store->seat_of(a.id);
    REQUIRE(seat.license);
    CHECK(seat.license->name == "gold");
    CHECK(seat.license->expires_at == 5000);
    CHECK(seat.since == 300);
    CHECK(store->find_license("default")->used == 1);      // a moved off default
    CHECK(store->assign_license(a.id, "gold", 301).ok());  // already there: no change
    CHECK(store->seat_of(a.id).since == 300);
    auto full = store->assign_license(b.id, "gold", 302);
    CHECK(full.status == Status::Invalid);
    CHECK(full.message.rfind("license:", 0) == 0);
    CHECK(store->seat_of(b.id).license->name == "default");  // unchanged
    CHECK(store->assign_license(b.id, "nope", 302).status == Status::NotFound);
    CHECK(store->assign_license(999, "gold", 302).status == Status::NotFound);

    REQUIRE(store->unassign_license(a.id, 400).ok());
    CHECK_FALSE(store->seat_of(a.id).license);
    CHECK(store->seat_of(a.id).since == 400);
    CHECK(store->unassign_license(a.id, 401).status == Status::Invalid);
    CHECK(store->find_license("gold")->used == 0);
    REQUIRE(store->assign_license(b.id, "gold", 500).ok());
    CHECK(store->find_license("gold")->used == 1);

    auto seats = store->device_seats();
    REQUIRE(seats.size() == 2);
    CHECK_FALSE(seats[0].license);
    CHECK(seats[1].license->name == "gold");
}

TEST_CASE("store: a certificate's binding carries the device's seat") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = add(*store, "a", 1);
    Certificate c;
    c.serial = "ab";
    c.device_id = a.id;
    c.common_name = c.fingerprint = c.cert_pem = "x";
    c.not_after = 9999;
    REQUIRE(store->add_certificate(c).ok());
    CHECK(store->find_by_serial("ab")->license->name == "default");
    REQUIRE(store->unassign_license(a.id, 10).ok());
    CHECK_FALSE(store->find_by_serial("ab")->license);
}

TEST_CASE("store: a license expiry is noted once") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto l = license("short", 5, 700);
    REQUIRE(store->add_license(l).ok());
    CHECK_FALSE(store->find_license("short")->expiry_noted_at);
    store->note_license_expiry(l.id, 701);
    CHECK(store->find_license("short")->expiry_noted_at == 701);
}

TEST_CASE("store: traffic adds up per device and UTC month") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = add(*store, "a", 1);
    auto b = add(*store, "b", 2);
    store->add_traffic({a.id, 202611, 100, 10});
    store->add_traffic({a.id, 202611, 50, 5});
    store->add_traffic({a.id, 202610, 7, 3});
    store->add_traffic({a.id, 202501, 1, 1});
    store->add_traffic({b.id, 202609, 2, 2});
    store->add_traffic({999, 202611, 1, 1});  // device gone: nothing to count against
    auto months = store->traffic_of(a.id);
    REQUIRE(months.size() == 3);
    CHECK(months.back().month == 202611);
    CHECK(months.back().bytes_received == 150);
    CHECK(months.back().bytes_sent == 15);
    auto summary = store->traffic_summary(202611, 202610);
    REQUIRE(summary.size() == 2);
    CHECK(summary[0][0].device_id == a.id);
    CHECK(summary[0][0].bytes_received == 150);
    CHECK(summary[0][1].bytes_received == 7);
    CHECK(summary[0][2].bytes_received == 158);
    CHECK(summary[0][2].bytes_sent == 19);
    CHECK(summary[1][0].bytes_received == 0);
    CHECK(summary[1][2].bytes_received == 2);
    REQUIRE(store->delete_device("a", 5).ok());
    CHECK(store->traffic_of(a.id).empty());
}

TEST_CASE("store: activity by object") {
    TempDir dir;
    auto store = open_fresh(dir);
    store->log_activity({0, 10, "root", "device.add", "alpha", ""});
    store->log_activity({0, 20, "root", "device.add", "beta", ""});
    store->log_activity({0, 30, "alice", "license.assign", "alpha", "license=gold"});
    auto alpha = store->activity_for("alpha", 0, 10);
    REQUIRE(alpha.size() == 2);
    CHECK(alpha[0].action == "license.assign");  // newest first
    CHECK(store->activity_for("alpha", 15, 10).size() == 1);
    CHECK(store->activity_for("alpha", 0, 1).size() == 1);
    CHECK(store->activity_for("gamma", 0, 10).empty());
}

TEST_CASE("store: backup writes a checked copy and never overwrites", "[sqlite-only]") {
    TempDir dir;
    auto store = open_fresh(dir);
    add(*store, "a", 1);
    add(*store, "b", 2);
    const auto copy = dir.file("copy.db");
    REQUIRE(store->backup(copy).ok());
    CHECK(fs::status(copy).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK_FALSE(fs::exists(copy + "-wal"));
    auto check = inspect_database(copy);
    CHECK(check.ok());
    CHECK(check.integrity == "ok");
    CHECK(check.devices == 2);
    CHECK(check.schema_version == store->schema_version());
    CHECK(store->backup(copy).status == Status::Duplicate);
    CHECK(store->backup(dir.file("no/such/folder.db")).status == Status::Invalid);
    auto reopened = open_sqlite(copy);
    REQUIRE(reopened.store);
    CHECK(reopened.store->find_device("b"));

    std::FILE* junk = std::fopen(dir.file("junk.db").c_str(), "w");
    std::fputs("not a database, not at all, definitely not", junk);
    std::fclose(junk);
    CHECK_FALSE(inspect_database(dir.file("junk.db")).ok());
    CHECK_FALSE(inspect_database(dir.file("missing.db")).ok());
}

TEST_CASE("store: upgrading gives existing devices a seat of default, gaps filled in",
          "[sqlite-only]") {
    TempDir dir;
    const auto path = dir.file("old.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        DbHandle db(raw);
        exec(db.get(),
             "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)");
        exec(db.get(), migrations().at(0).sql);
        exec(db.get(), "INSERT INTO schema_version VALUES (1, 0)");
        // A later migration that landed first (numbers are per branch): 003 must still run.
        // 010 (availability) is one the store's statements do not depend on at open.
        Statement later(db.get(), "INSERT INTO schema_version VALUES (?1, 0)");
        later.bind(1, std::int64_t{10}).run();
        exec(db.get(), migrations().at(9).sql);
        exec(db.get(),
             "INSERT INTO devices (name, type, group_id, vpn_ip, state_since, created_at) "
             "VALUES ('old1', 'pc', 1, 5, 0, 0), ('old2', 'pc', 1, 6, 0, 0)");
    }
    auto opened = open_sqlite(path);
    REQUIRE(opened.store);
    auto& store = *opened.store;
    for (const char* name : {"old1", "old2"}) {
        INFO(name);
        CHECK(store.seat_of(store.find_device(name)->id).license->name == "default");
    }
    CHECK(store.find_license("default")->used == 2);
}

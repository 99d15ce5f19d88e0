// Two nodes on one PostgreSQL database racing for the same single-use thing (issue 14):
// a TOTP step, a one-time code, a TR token, the last seat of a license. Node A takes it
// in an open transaction; node B asks for the same while A's row lock holds it back; A
// commits; B must be refused. The test waits (bounded) until the server reports B waiting
// on a lock, so B really asks while A's change is uncommitted. A read-then-write would not
// wait there and would succeed after A's commit: both fail the test.
//
// Needs the ctest fixture `pg` (WARDEN_TEST_PG_DIR/conninfo): every test case works in a
// database of its own, created from schema/pg and dropped afterwards.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <thread>

#include "daemon/store/migrations.hpp"
#include "daemon/store/pg_handles.hpp"
#include "daemon/store/pg_store_licenses.hpp"
#include "daemon/store/pg_store_tr.hpp"
#include "daemon/store/pg_store_two_factor.hpp"

using namespace warden::store;

namespace {

std::string cluster_conninfo() {
    const char* dir = std::getenv("WARDEN_TEST_PG_DIR");
    REQUIRE(dir);
    std::ifstream in(std::string(dir) + "/conninfo");
    std::string line;
    std::getline(in, line);
    REQUIRE(!line.empty());
    return line;
}

// A database of its own with every pg migration applied; dropped on destruction.
class RaceDatabase {
  public:
    RaceDatabase()
        : cluster_(cluster_conninfo()),
          name_("warden_race_" + std::to_string(::getpid()) + "_" + std::to_string(++counter_)) {
        auto admin_conn = admin();
        admin_conn.exec_script("DROP DATABASE IF EXISTS " + name_);
        admin_conn.exec_script("CREATE DATABASE " + name_);
        auto conn = connect();
        for (const auto& m : pg_migrations()) conn.exec_script(m.sql);
    }
    ~RaceDatabase() {
        try {
            admin().exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (...) {
        }
    }
    RaceDatabase(const RaceDatabase&) = delete;
    RaceDatabase& operator=(const RaceDatabase&) = delete;

    pg::Connection connect() const { return pg::Connection::open(cluster_ + " dbname=" + name_); }

  private:
    pg::Connection admin() const { return pg::Connection::open(cluster_); }

    static inline std::atomic<int> counter_{0};
    std::string cluster_;
    std::string name_;
};

std::int64_t add_device(pg::Connection& conn, const std::string& name, int ip) {
    return conn
        .exec(
            "INSERT INTO devices (name, type, group_id, vpn_ip, state_since, created_at) "
            "SELECT $1, 'pc', id, $2, 1, 1 FROM groups WHERE name = 'default' RETURNING id",
            {name, ip})
        .int64(0, 0);
}

// Waits until the backend of `node` waits on a lock (bounded: 10 s).
bool waits_on_lock(pg::Connection& observer, pg::Connection& node) {
    const int pid = PQbackendPID(node.get());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto r = observer.exec(
            "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", {pid});
        if (!r.empty()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval, bounded
    }
    return false;
}

// A (in a transaction) runs `take`, B runs `take_again` while A holds the lock, A commits;
// returns what `take` and `take_again` returned.
template <class TakeA, class TakeB>
auto race(const RaceDatabase& db, TakeA take, TakeB take_again) {
    auto a = db.connect();
    auto b = db.connect();
    auto observer = db.connect();
    a.exec_script("BEGIN");
    const auto first = take(a);
    auto second = std::async(std::launch::async, [&] { return take_again(b); });
    const bool blocked = waits_on_lock(observer, b);
    a.exec_script("COMMIT");
    const auto second_result = second.get();
    CHECK(blocked);
    return std::make_pair(first, second_result);
}

}  // namespace

TEST_CASE("pg races: one TOTP step is accepted on one node only") {
    RaceDatabase db;
    auto setup = db.connect();
    const auto id = add_device(setup, "pc1", 1);
    Totp totp;
    totp.device_id = id;
    totp.secret = "JBSWY3DPEHPK3PXP";
    totp.enforced = true;
    totp.last_step = 10;
    pg_two_factor::put_totp(setup, totp);
    const auto [a, b] = race(
        db, [&](pg::Connection& c) { return pg_two_factor::advance_totp_step(c, id, 11); },
        [&](pg::Connection& c) { return pg_two_factor::advance_totp_step(c, id, 11); });
    CHECK(a);
    CHECK_FALSE(b);
    CHECK(pg_two_factor::find_totp(setup, id)->last_step == 11);
}

TEST_CASE("pg races: a one-time code is used on one node only") {
    RaceDatabase db;
    auto setup = db.connect();
    OneTimeCode code;
    code.device_id = add_device(setup, "pc1", 1);
    code.code_hash = "ab";
    code.created_at = 100;
    code.expires_at = 1000;
    pg_two_factor::add_one_time_code(setup, code);
    const auto [a, b] = race(
        db, [&](pg::Connection& c) { return pg_two_factor::use_one_time_code(c, code.id, 200); },
        [&](pg::Connection& c) { return pg_two_factor::use_one_time_code(c, code.id, 201); });
    CHECK(a);
    CHECK_FALSE(b);
    CHECK(pg_two_factor::one_time_codes(setup, std::nullopt)[0].used_at == 200);
}

TEST_CASE("pg races: a TR token releases on one node only") {
    RaceDatabase db;
    auto setup = db.connect();
    TrToken token;
    token.device_id = add_device(setup, "pc1", 1);
    token.token_hash = "cd";
    token.created_at = 100;
    token.expires_at = 1000;
    pg_tr::add_tr_token(setup, token);
    const auto [a, b] = race(
        db, [&](pg::Connection& c) { return pg_tr::use_tr_token(c, token.id, 200); },
        [&](pg::Connection& c) { return pg_tr::use_tr_token(c, token.id, 201); });
    CHECK(a);
    CHECK_FALSE(b);
    CHECK(pg_tr::find_tr_token(setup, "cd")->used_at == 200);
}

TEST_CASE("pg races: the last seat of a license goes to one node's device only") {
    RaceDatabase db;
    auto setup = db.connect();
    const auto first = add_device(setup, "pc1", 1);
    const auto second = add_device(setup, "pc2", 2);
    License one;
    one.name = "one";
    one.seats = 1;
    one.created_at = 100;
    REQUIRE(pg_licenses::add_license(setup, one).ok());
    const bool b_in_transaction = GENERATE(false, true);
    const auto [a, b] = race(
        db, [&](pg::Connection& c) { return pg_licenses::assign_license(c, first, "one", 200); },
        [&](pg::Connection& c) {
            if (!b_in_transaction) return pg_licenses::assign_license(c, second, "one", 201);
            // The refusal must leave B's transaction usable (a savepoint took the error).
            c.exec_script("BEGIN");
            auto outcome = pg_licenses::assign_license(c, second, "one", 201);
            CHECK(pg_licenses::seat_of(c, second).license->name == "default");
            c.exec_script("COMMIT");
            return outcome;
        });
    CHECK(a.ok());
    CHECK(b.status == Status::Invalid);
    CHECK(b.message.rfind("license: no free seat on one", 0) == 0);
    const auto license = pg_licenses::find_license(setup, "one");
    CHECK(license->used == 1);
    CHECK(pg_licenses::devices_with_license(setup, license->id) ==
          std::vector<std::int64_t>{first});
}

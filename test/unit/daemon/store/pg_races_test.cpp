// Two nodes on one PostgreSQL database racing for the same single-use thing (issue 14):
// a TOTP step, a one-time code, a TR token, the last seat of a license, the first sighting
// of a pending certificate. Node A takes it inside a transaction; node B (a second PgStore
// on the same database) asks for the same while A's lock holds it back; A commits; B must
// be refused (or, for the sighting, count on A's row). The test waits (bounded) until the
// server reports B waiting on a lock, so B really asks while A's change is uncommitted: a
// read-then-write would not wait there, or would succeed after A's commit.
//
// PostgreSQL only (fixture `pg`, WARDEN_TEST_STORE=postgresql: store_fixture.hpp).
#include <chrono>
#include <future>
#include <thread>

#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_at;
using warden::store::test::pg_conninfo;
using warden::store::test::TempDir;

namespace {

struct Nodes {
    TempDir dir;
    std::unique_ptr<Store> a = open(), b = open();
    std::int64_t first = add("pc1", 0x0a080002), second = add("pc2", 0x0a080003);

    std::unique_ptr<Store> open() {
        REQUIRE(warden::store::test::on_postgresql());
        auto result = open_at(dir);
        INFO(result.error);
        REQUIRE(result.error.empty());
        return std::move(result.store);
    }
    std::int64_t add(const std::string& name, std::uint32_t ip) {
        Device d;
        d.name = name;
        d.vpn_ip = ip;
        REQUIRE(a->add_device(d).ok());
        return d.id;
    }
};

// Whether a session of this database waits on a lock, within 10 s.
bool someone_waits_on_lock(const TempDir& dir) {
    auto observer = pg::Connection::open(pg_conninfo(dir));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto r = observer.exec(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'");
        if (!r.empty()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval, bounded
    }
    return false;
}

// A runs `take` in a transaction that stays open until B, running `take_again`, waits on
// A's lock; then A commits. Returns both results.
template <class Take, class TakeAgain>
auto race(Nodes& nodes, Take take, TakeAgain take_again) {
    decltype(take(*nodes.a)) first{};
    std::future<decltype(take_again(*nodes.b))> second;
    bool blocked = false;
    nodes.a->transaction([&] {
        first = take(*nodes.a);
        second = std::async(std::launch::async, [&] { return take_again(*nodes.b); });
        blocked = someone_waits_on_lock(nodes.dir);
    });
    const auto second_result = second.get();
    CHECK(blocked);
    return std::make_pair(first, second_result);
}

}  // namespace

TEST_CASE("pg races: one TOTP step is accepted on one node only") {
    Nodes nodes;
    Totp totp;
    totp.device_id = nodes.first;
    totp.secret = "JBSWY3DPEHPK3PXP";
    totp.enforced = true;
    totp.last_step = 10;
    nodes.a->put_totp(totp);
    const auto step = [&](Store& s) { return s.advance_totp_step(nodes.first, 11); };
    const auto [a, b] = race(nodes, step, step);
    CHECK(a);
    CHECK_FALSE(b);
    CHECK(nodes.b->find_totp(nodes.first)->last_step == 11);
}

TEST_CASE("pg races: a one-time code is used on one node only") {
    Nodes nodes;
    OneTimeCode code{0, nodes.first, "", "ab", 100, 1000, std::nullopt};
    nodes.a->add_one_time_code(code);
    const auto [a, b] = race(
        nodes, [&](Store& s) { return s.use_one_time_code(code.id, 200); },
        [&](Store& s) { return s.use_one_time_code(code.id, 201); });
    CHECK(a);
    CHECK_FALSE(b);
    CHECK(nodes.b->one_time_codes(nodes.first)[0].used_at == 200);
}

TEST_CASE("pg races: a TR token releases on one node only") {
    Nodes nodes;
    TrToken token;
    token.device_id = nodes.first;
    token.token_hash = "cd";
    token.created_at = 100;
    token.expires_at = 1000;
    nodes.a->add_tr_token(token);
    const auto [a, b] = race(
        nodes, [&](Store& s) { return s.use_tr_token(token.id, 200); },
        [&](Store& s) { return s.use_tr_token(token.id, 201); });
    CHECK(a);
    CHECK_FALSE(b);
    CHECK(nodes.b->find_tr_token("cd")->used_at == 200);
}

TEST_CASE("pg races: the last seat of a license goes to one node's device only") {
    Nodes nodes;
    License one;
    one.name = "one";
    one.seats = 1;
    one.created_at = 100;
    REQUIRE(nodes.a->add_license(one).ok());
    const bool b_in_transaction = GENERATE(false, true);
    std::string seat_after_refusal;  // B's seat read in B's transaction after the refusal
    const auto [a, b] = race(
        nodes, [&](Store& s) { return s.assign_license(nodes.first, "one", 200); },
        [&](Store& s) {
            if (!b_in_transaction) return s.assign_license(nodes.second, "one", 201);
            // The refusal must leave B's transaction usable (a savepoint took the error).
            Outcome outcome;
            s.transaction([&] {
                outcome = s.assign_license(nodes.second, "one", 201);
                seat_after_refusal = s.seat_of(nodes.second).license->name;
            });
            return outcome;
        });
    if (b_in_transaction) CHECK(seat_after_refusal == "default");
    CHECK(a.ok());
    CHECK(b.status == Status::Invalid);
    CHECK(b.message.rfind("license: no free seat on one", 0) == 0);
    const auto license = nodes.b->find_license("one");
    CHECK(license->used == 1);
    CHECK(nodes.b->devices_with_license(license->id) == std::vector<std::int64_t>{nodes.first});
}

TEST_CASE("pg races: a certificate first seen on two nodes at once is one pending row") {
    Nodes nodes;
    CertSighting cert;
    cert.fingerprint = "AB:01";
    cert.enroll_ca = "vendor";
    // B's insert waits on A's uncommitted row in the primary key, then counts an attempt
    // on it (an UPDATE-then-INSERT would fail there with a unique violation).
    const auto [a, b] = race(
        nodes, [&](Store& s) { return s.note_pending(cert, PendingState::Pending, 100, 10); },
        [&](Store& s) { return s.note_pending(cert, PendingState::Pending, 101, 10); });
    CHECK(a);
    CHECK_FALSE(b);
    const auto pending = nodes.b->pending_certs();
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].attempts == 2);
    CHECK(pending[0].first_seen == 100);
    CHECK(pending[0].last_seen == 101);
}

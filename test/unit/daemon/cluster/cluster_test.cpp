// Several nodes on one PostgreSQL state (issue 14): the change log the triggers of
// schema/pg/012 write, the change feed that follows it (LISTEN/NOTIFY, catch-up after a
// lost connection, a node's own rows skipped), and what nodes publish to each other.
//
// PostgreSQL only (fixture `pg`): each test case gets its own database.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/cluster/change_feed.hpp"
#include "daemon/cluster/node_link.hpp"
#include "unit/daemon/store/store_fixture.hpp"

using namespace warden;
using warden::store::test::pg_conninfo;
using warden::store::test::TempDir;

namespace {

using Steady = std::chrono::steady_clock;

struct Db {
    TempDir dir;
    std::string conninfo = pg_conninfo(dir);
    // Node a's store: its rows in the change log carry "wardend:a".
    std::unique_ptr<store::Store> a = open("wardend:a");

    std::unique_ptr<store::Store> open(const std::string& application_name) {
        auto opened = store::open_postgresql(conninfo, application_name);
        INFO(opened.error);
        REQUIRE(opened.store);
        return std::move(opened.store);
    }
    std::string sql(const std::string& statement) {
        auto conn = store::pg::Connection::open(conninfo);
        const auto r = conn.exec(statement);
        return r.rows() > 0 ? r.text(0, 0) : std::string();
    }
    // The distinct object@node pairs logged after change id `after`, sorted, comma-separated
    // (an upsert fires both its INSERT and UPDATE triggers: two rows).
    std::string logged_after(std::int64_t after) {
        return sql(
            "SELECT COALESCE(string_agg(DISTINCT object || '@' || node, ','), '') "
            "FROM changes WHERE id > " +
            std::to_string(after));
    }
    std::int64_t latest() { return cluster::ChangeFeed::latest_change_id(conninfo); }
    std::int64_t add_device(const std::string& name, std::uint32_t ip) {
        store::Device d;
        d.name = name;
        d.vpn_ip = ip;
        REQUIRE(a->add_device(d).ok());
        return d.id;
    }
};

// What a feed delivered, waited for with a bound.
class Received {
  public:
    void add(cluster::ChangeBatch batch) {
        std::lock_guard lock(mutex_);
        for (auto& c : batch.changes) changes_.push_back(std::move(c));
        lost_track_ = lost_track_ || batch.lost_track;
        cv_.notify_all();
    }
    // Waits until `n` changes of `object` arrived (at most `bound`); returns all changes.
    std::vector<cluster::Change> wait_for(const std::string& object, std::size_t n,
                                          std::chrono::milliseconds bound) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, bound, [&] {
            return static_cast<std::size_t>(std::count_if(
                       changes_.begin(), changes_.end(),
                       [&](const cluster::Change& c) { return c.object == object; })) >= n;
        });
        return changes_;
    }
    bool lost_track() {
        std::lock_guard lock(mutex_);
        return lost_track_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<cluster::Change> changes_;
    bool lost_track_ = false;
};

cluster::ChangeFeed::Options fast_options() {
    cluster::ChangeFeed::Options o;
    o.retry = std::chrono::milliseconds(50);
    o.safety_read = std::chrono::seconds(60);  // the tests see NOTIFY and catch-up only
    return o;
}

}  // namespace

TEST_CASE("cluster: each changing statement of a tracked table is logged with its node") {
    Db db;
    const auto before = db.latest();
    const auto id = db.add_device("pc1", 0x0a080002);
    // The device, and the seat it took of the default license (a trigger updates it).
    CHECK(db.logged_after(before) ==
          "devices@wardend:a,license_seats@wardend:a,licenses@wardend:a");

    // What a verdict writes itself is not logged: every node would reload for nothing.
    const auto after_add = db.latest();
    db.a->set_device_state(id, store::DeviceState::Online, 100);
    store::Totp totp;
    totp.device_id = id;
    totp.secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    db.a->put_totp(totp);
    const auto after_totp = db.latest();
    CHECK(db.a->advance_totp_step(id, 5));
    db.a->set_login_failures(id, 1, 0, 0);
    CHECK(db.logged_after(after_add) == "device_totp@wardend:a");
    CHECK(db.latest() == after_totp);

    // A static password changes who needs credentials, on the first set and on a later one.
    db.a->set_password_hash(id, "$5$x");
    CHECK(db.logged_after(after_totp) == "device_login@wardend:a");
    const auto after_first = db.latest();
    db.a->set_password_hash(id, "$5$z");
    CHECK(db.latest() > after_first);
}

TEST_CASE("cluster: a change of another node arrives within 1 s, the node's own are skipped") {
    Db db;
    auto b = db.open("wardend:b");
    Received received;
    cluster::ChangeFeed feed(
        db.conninfo, "wardend:b", [&](cluster::ChangeBatch batch) { received.add(batch); },
        fast_options());
    feed.start(db.latest());
    // b's own change first: skipped. Then a's revoke (a certificate row changes).
    store::Device own;
    own.name = "on-b";
    own.vpn_ip = 0x0a080009;
    REQUIRE(b->add_device(own).ok());
    const auto t0 = Steady::now();
    db.add_device("on-a", 0x0a08000a);
    const auto got = received.wait_for("devices", 1, std::chrono::seconds(5));
    const auto elapsed = Steady::now() - t0;
    // Only a's rows (its device, the seat it took): none of b's own.
    REQUIRE(got.size() == 3);
    for (const auto& c : got) CHECK(c.node == "wardend:a");
    CHECK(got[0].id < got[1].id);
    CHECK(got[1].id < got[2].id);
    CHECK(elapsed < std::chrono::seconds(1));
    CHECK_FALSE(received.lost_track());
}

TEST_CASE("cluster: after its connection was cut the feed catches up on what it missed") {
    Db db;
    Received received;
    cluster::ChangeFeed feed(
        db.conninfo, "wardend:b", [&](cluster::ChangeBatch batch) { received.add(batch); },
        fast_options());
    const auto start = db.latest();
    // Committed before the feed starts: found by the first read, as after a restart.
    db.add_device("early", 0x0a080002);
    feed.start(start);
    REQUIRE(received.wait_for("devices", 1, std::chrono::seconds(5)).size() == 3);
    REQUIRE(feed.connects() == 1);

    // The feed's backend is gone (waited for): a change committed now sends it no NOTIFY.
    CHECK(db.sql("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE "
                 "application_name = 'wardend:b' AND datname = current_database()") == "t");
    db.add_device("while-away", 0x0a080003);
    const auto got = received.wait_for("devices", 2, std::chrono::seconds(5));
    CHECK(got.size() == 6);
    CHECK(feed.connects() == 2);
}

TEST_CASE("cluster: nodes see each other's sessions and orders, a restart replaces them") {
    Db db;
    cluster::NodeLink a(db.conninfo, "a", "wardend:a");
    cluster::NodeLink b(db.conninfo, "b", "wardend:b");
    a.register_node("192.0.2.1", 100);
    b.register_node("192.0.2.2", 100);
    cluster::NodeSession s;
    s.instance = "main";
    s.real_address = "198.51.100.7:4000";
    s.common_name = "pc1";
    s.device_id = 7;
    s.device_name = "pc1";
    s.vpn_ip = "10.8.0.7";
    s.since = 90;
    a.publish_sessions({s}, 101);
    const auto seen = b.sessions_elsewhere();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].node == "a");
    CHECK(seen[0].device_id == 7);
    CHECK(seen[0].vpn_ip == "10.8.0.7");
    CHECK(a.sessions_elsewhere().empty());
    // Node b routes device 7 via node a's address.
    const auto routed = b.devices_elsewhere();
    REQUIRE(routed.size() == 1);
    CHECK(routed[0].device_id == 7);
    CHECK(net::format_ipv4(routed[0].vpn_ip) == "10.8.0.7");
    CHECK(net::format_ipv4(routed[0].node_address) == "192.0.2.1");
    CHECK(a.devices_elsewhere().empty());

    b.order_end("a", 7, "ended by admin", 102);
    CHECK(b.take_orders().empty());
    const auto orders = a.take_orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].device_id == 7);
    CHECK(orders[0].reason == "ended by admin");
    CHECK(a.take_orders().empty());

    // A restart of node a drops what it published before.
    a.register_node("192.0.2.1", 200);
    CHECK(b.sessions_elsewhere().empty());
}

TEST_CASE("cluster: a node with another copy of a shared pki file is refused") {
    Db db;
    cluster::NodeLink a(db.conninfo, "a", "wardend:a");
    cluster::NodeLink b(db.conninfo, "b", "wardend:b");
    CHECK(a.check_shared_files({{"ca.crt", "aa"}, {"auth-token.key", "bb"}}).empty());
    CHECK(b.check_shared_files({{"ca.crt", "aa"}, {"auth-token.key", "bb"}}).empty());
    const auto err = b.check_shared_files({{"ca.crt", "aa"}, {"auth-token.key", "cc"}});
    CHECK(err.find("pki/auth-token.key differs from node a's") == 0);
}

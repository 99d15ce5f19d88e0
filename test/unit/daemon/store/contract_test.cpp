// The contract every Store implementation must pass. Each binary runs once per backend
// (SQLite, and PostgreSQL as "<binary>[pg]: ..."): store_fixture.hpp picks it.
#include <catch2/catch.hpp>

#include <algorithm>

#include "daemon/store/store.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_at;
using warden::store::test::open_fresh;
using warden::store::test::raw_sql;
using warden::store::test::TempDir;

namespace {

Device make_device(const std::string& name, std::uint32_t ip) {
    Device d;
    d.name = name;
    d.vpn_ip = ip;
    d.state_since = 100;
    d.created_at = 100;
    return d;
}

Certificate make_cert(const std::string& serial, std::int64_t device_id) {
    Certificate c;
    c.serial = serial;
    c.device_id = device_id;
    c.common_name = "cn";
    c.fingerprint = "ff";
    c.not_before = 0;
    c.not_after = 2000000000;
    c.cert_pem = "CERT";
    c.key_pem = "KEY";
    c.created_at = 100;
    return c;
}

}  // namespace

TEST_CASE("store: devices are added, found, listed, updated and deleted") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 0x0a080002);
    REQUIRE(store->add_device(a).ok());
    CHECK(a.id > 0);
    auto b = make_device("beta", 0x0a080003);
    b.type = DeviceType::Router;
    b.network = "192.168.1.0/24";
    REQUIRE(store->add_device(b).ok());

    SECTION("duplicates are refused naming the field") {
        auto dup = make_device("alpha", 0x0a080009);
        auto out = store->add_device(dup);
        CHECK(out.status == Status::Duplicate);
        CHECK(out.message.rfind("name:", 0) == 0);
        auto same_ip = make_device("gamma", 0x0a080002);
        CHECK(store->add_device(same_ip).status == Status::Duplicate);
        CHECK(store->device_count() == 2);
    }
    SECTION("unknown group is refused") {
        auto d = make_device("delta", 0x0a080010);
        d.group = "nope";
        CHECK(store->add_device(d).status == Status::NotFound);
    }
    SECTION("lookups") {
        auto found = store->find_device("beta");
        REQUIRE(found);
        CHECK(found->type == DeviceType::Router);
        CHECK(found->network == "192.168.1.0/24");
        CHECK(found->group == "default");
        CHECK(store->find_device(a.id)->name == "alpha");
        CHECK_FALSE(store->find_device("nope"));
        auto all = store->list_devices();
        REQUIRE(all.size() == 2);
        CHECK(all[0].name == "alpha");
    }
    SECTION("update") {
        a.active = false;
        a.name = "alpha2";
        REQUIRE(store->update_device(a).ok());
        CHECK_FALSE(store->find_device("alpha2")->active);
        a.name = "beta";
        CHECK(store->update_device(a).status == Status::Duplicate);
    }
    SECTION("state changes touch only state and since") {
        a.active = false;
        REQUIRE(store->update_device(a).ok());
        store->set_device_state(a.id, DeviceState::Online, 777);
        auto got = store->find_device(a.id);
        CHECK(got->state == DeviceState::Online);
        CHECK(got->state_since == 777);
        CHECK_FALSE(got->active);
        store->set_device_state(a.id, DeviceState::Online, 999);  // unchanged state keeps its since
        CHECK(store->find_device(a.id)->state_since == 777);
    }
    SECTION("delete revokes the device's certificates") {
        REQUIRE(store->add_certificate(make_cert("abc", a.id)).ok());
        REQUIRE(store->delete_device("alpha", 500).ok());
        CHECK_FALSE(store->find_device("alpha"));
        auto binding = store->find_by_serial("abc");
        REQUIRE(binding);
        CHECK(binding->cert.revoked_at == 500);
        CHECK(binding->cert.key_pem.empty());
        CHECK_FALSE(binding->device);
        CHECK(store->delete_device("alpha", 500).status == Status::NotFound);
    }
}

TEST_CASE("store: free VPN addresses grow, then fill gaps") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK(store->free_vpn_ip(10, 20) == 10u);
    for (std::uint32_t ip : {10u, 11u, 13u}) {
        auto d = make_device("d" + std::to_string(ip), ip);
        REQUIRE(store->add_device(d).ok());
    }
    CHECK(store->free_vpn_ip(10, 20) == 14u);
    auto d = make_device("d14", 14);
    REQUIRE(store->add_device(d).ok());
    CHECK(store->free_vpn_ip(10, 14) == 12u);
    auto e = make_device("d12", 12);
    REQUIRE(store->add_device(e).ok());
    CHECK_FALSE(store->free_vpn_ip(10, 14));
}

TEST_CASE("store: routed networks are the devices with an accessible network") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto pc = make_device("pc", 10);
    auto r1 = make_device("r1", 11);
    r1.type = DeviceType::Router;
    r1.network = "192.168.1.0/24";
    auto r2 = make_device("r2", 12);
    r2.type = DeviceType::Router;
    r2.network = "10.201.1.0/24";
    r2.addressing = Addressing::Netmap;
    r2.local_network = "192.168.0.0/24";
    for (auto* d : {&pc, &r1, &r2}) REQUIRE(store->add_device(*d).ok());
    auto rows = store->routed_networks();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].device_id == r1.id);
    CHECK(rows[0].network == "192.168.1.0/24");
    CHECK(rows[1].device_id == r2.id);
    CHECK(rows[1].network == "10.201.1.0/24");
    REQUIRE(store->delete_device("r1", 200).ok());
    CHECK(store->routed_networks().size() == 1);
}

TEST_CASE("store: certificates bind to devices and are revoked once") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 1);
    REQUIRE(store->add_device(a).ok());
    REQUIRE(store->add_certificate(make_cert("a1", a.id)).ok());
    REQUIRE(store->add_certificate(make_cert("a2", a.id)).ok());
    CHECK(store->add_certificate(make_cert("a1", a.id)).status == Status::Duplicate);
    CHECK(store->certificates_of(a.id).size() == 2);

    auto binding = store->find_by_serial("a1");
    REQUIRE(binding);
    CHECK(binding->device->name == "alpha");
    CHECK_FALSE(binding->cert.revoked_at);
    CHECK_FALSE(store->find_by_serial("zz"));
    auto summaries = store->certificate_summaries();
    REQUIRE(summaries.size() == 2);
    for (const auto& c : summaries) {
        CHECK(c.device_id == a.id);
        CHECK(c.cert_pem.empty());  // the index never holds PEMs
        CHECK(c.not_after == store->find_by_serial(c.serial)->cert.not_after);
    }

    REQUIRE(store->revoke_certificate("a1", 42).ok());
    CHECK(store->revoke_certificate("a1", 43).status == Status::Invalid);
    CHECK(store->revoke_certificate("zz", 43).status == Status::NotFound);
    auto revoked = store->revoked_serials();
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0].serial == "a1");
    CHECK(revoked[0].revoked_at == 42);
}

TEST_CASE("store: transactions are all or nothing") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK_THROWS(store->transaction([&] {
        auto d = make_device("x", 1);
        REQUIRE(store->add_device(d).ok());
        throw std::runtime_error("boom");
    }));
    CHECK(store->device_count() == 0);
    store->transaction([&] {
        auto d = make_device("y", 2);
        REQUIRE(store->add_device(d).ok());
    });
    CHECK(store->device_count() == 1);
}

// An expected refusal inside a transaction (a bulk import, device copy) is an outcome the
// caller handles; the transaction goes on. PostgreSQL aborts a transaction on any failed
// statement unless the store isolates it (pg::Connection::exec_guarded).
TEST_CASE("store: a duplicate inside a transaction is an outcome, the transaction goes on") {
    TempDir dir;
    auto store = open_fresh(dir);
    store->transaction([&] {
        auto a = make_device("a", 1);
        REQUIRE(store->add_device(a).ok());
        auto same_name = make_device("a", 2);
        CHECK(store->add_device(same_name).status == Status::Duplicate);
        auto same_ip = make_device("c", 1);
        CHECK(store->add_device(same_ip).status == Status::Duplicate);
        REQUIRE(store->add_certificate(make_cert("s1", a.id)).ok());
        CHECK(store->add_certificate(make_cert("s1", a.id)).status == Status::Duplicate);
        auto b = make_device("b", 3);
        REQUIRE(store->add_device(b).ok());
        b.name = "a";
        CHECK(store->update_device(b).status == Status::Duplicate);
        Group g{0, "lab", 100};
        REQUIRE(store->add_group(g).ok());
        CHECK(store->add_group(g).status == Status::Duplicate);
    });
    CHECK(store->device_count() == 2);
    CHECK(store->certificates_of(store->find_device("a")->id).size() == 1);
    CHECK(store->group_exists("lab"));
}

TEST_CASE("store: logs keep activity and connections") {
    TempDir dir;
    auto store = open_fresh(dir);
    store->log_activity({0, 10, "root", "device.add", "alpha", "type=pc"});
    store->log_activity({0, 20, "alice", "cert.revoke", "alpha", "serial=1"});
    auto acts = store->activity(15, 10);
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].actor == "alice");
    ConnectionEntry c;
    c.at = 30;
    c.event = ConnectionEvent::Disconnect;
    c.device_id = 7;
    c.bytes_received = 1234;
    store->log_connection(c);
    CHECK(store->connections(7, 10).at(0).bytes_received == 1234);
    CHECK(store->connections(std::nullopt, 10).size() == 1);
    CHECK(store->connections(8, 10).empty());
}

TEST_CASE("store: state survives reopening, a newer schema is refused") {
    TempDir dir;
    {
        auto store = open_fresh(dir);
        auto d = make_device("keep", 5);
        REQUIRE(store->add_device(d).ok());
        CHECK(store->schema_version() >= 1);
        CHECK(store->integrity_check() == "ok");
    }
    {
        auto store = open_fresh(dir);
        CHECK(store->find_device("keep"));
    }
    raw_sql(dir, "INSERT INTO schema_version VALUES (999, 0)");
    auto result = open_at(dir);
    CHECK_FALSE(result.store);
    CHECK(result.error.find("newer") != std::string::npos);
}

TEST_CASE("store: a device's key password is kept beside it and cleared with an empty one") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 1);
    REQUIRE(store->add_device(a).ok());
    CHECK(store->key_password(a.id).empty());
    REQUIRE(store->set_key_password(a.id, "pw 1").ok());
    CHECK(store->key_password(a.id) == "pw 1");
    a.email = "x@example.com";
    REQUIRE(store->update_device(a).ok());  // editing other columns keeps it
    CHECK(store->key_password(a.id) == "pw 1");
    REQUIRE(store->set_key_password(a.id, "").ok());
    CHECK(store->key_password(a.id).empty());
    CHECK(store->set_key_password(999, "pw").status == Status::NotFound);
    CHECK(store->key_password(999).empty());
}

TEST_CASE("store: activation sets active, state and since, once") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 1);
    REQUIRE(store->add_device(a).ok());
    store->set_device_state(a.id, DeviceState::Online, 150);
    REQUIRE(store->set_device_active(a.id, false, 200).ok());
    auto got = store->find_device(a.id);
    CHECK_FALSE(got->active);
    CHECK(got->state == DeviceState::Deactivated);
    CHECK(got->state_since == 200);
    CHECK(store->set_device_active(a.id, false, 300).status == Status::Invalid);
    CHECK(store->find_device(a.id)->state_since == 200);
    REQUIRE(store->set_device_active(a.id, true, 400).ok());
    got = store->find_device(a.id);
    CHECK(got->active);
    CHECK(got->state == DeviceState::Offline);
    CHECK(got->state_since == 400);
    CHECK(store->set_device_active(a.id, true, 500).status == Status::Invalid);
    CHECK(store->set_device_active(999, true, 500).status == Status::NotFound);
}

TEST_CASE("store: certificate expiry is the latest unrevoked one per device") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 1);
    auto b = make_device("beta", 2);
    auto c = make_device("gamma", 3);
    REQUIRE(store->add_device(a).ok());
    REQUIRE(store->add_device(b).ok());
    REQUIRE(store->add_device(c).ok());
    auto a1 = make_cert("a1", a.id);
    a1.not_after = 1000;
    auto a2 = make_cert("a2", a.id);
    a2.not_after = 3000;
    auto b1 = make_cert("b1", b.id);
    b1.not_after = 2000;
    for (const auto& cert : {a1, a2, b1}) REQUIRE(store->add_certificate(cert).ok());
    REQUIRE(store->revoke_certificate("a2", 50).ok());
    auto expiry = store->certificate_expiry();
    REQUIRE(expiry.size() == 2);  // gamma has no certificate
    CHECK(expiry[0].device_id == a.id);
    CHECK(expiry[0].not_after == 1000);  // a2 is revoked
    CHECK(expiry[1].device_id == b.id);
    CHECK(expiry[1].not_after == 2000);
}

TEST_CASE("store: certificates are listed in issue order, also within one second") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 1);
    REQUIRE(store->add_device(a).ok());
    // Random serials: "ff" sorts after "00", but was issued first.
    for (const char* serial : {"ff", "80", "00"})
        REQUIRE(store->add_certificate(make_cert(serial, a.id)).ok());
    auto certs = store->certificates_of(a.id);
    REQUIRE(certs.size() == 3);
    CHECK(certs[0].serial == "ff");
    CHECK(certs[1].serial == "80");
    CHECK(certs[2].serial == "00");
}

// The enums are stored as the TEXT earlier versions wrote (no schema change): a database
// written before them reads the same, and what is written now reads back in old builds.
TEST_CASE("store: device state, addressing and connection events keep their stored text") {
    TempDir dir;
    {
        auto store = open_fresh(dir);
        auto router = make_device("router", 5);
        router.type = DeviceType::Router;
        router.network = "192.168.50.0/24";
        router.local_network = "192.168.1.0/24";
        router.addressing = Addressing::Netmap;
        REQUIRE(store->add_device(router).ok());
        store->set_device_state(router.id, DeviceState::Online, 200);
        ConnectionEntry refused;
        refused.event = ConnectionEvent::Refused;
        store->log_connection(refused);
    }
    CHECK(raw_sql(dir, "SELECT state FROM devices WHERE name = 'router'") == "online");
    CHECK(raw_sql(dir, "SELECT addressing FROM devices WHERE name = 'router'") == "netmap");
    CHECK(raw_sql(dir, "SELECT event FROM connection_log") == "refused");
    // As an older wardend left them.
    raw_sql(dir, "UPDATE devices SET state = 'deactivated', addressing = 'direct'");
    raw_sql(dir, "UPDATE connection_log SET event = 'disconnect'");
    auto store = open_fresh(dir);
    auto got = store->find_device("router");
    REQUIRE(got);
    CHECK(got->state == DeviceState::Deactivated);
    CHECK(got->addressing == Addressing::Direct);
    CHECK(store->connections(std::nullopt, 10).at(0).event == ConnectionEvent::Disconnect);
}

TEST_CASE("store: device states are counted, names listed bytewise") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto b = make_device("B", 1);
    auto a = make_device("a", 2);
    auto c = make_device("c", 3);
    for (auto* d : {&b, &a, &c}) REQUIRE(store->add_device(*d).ok());
    store->set_device_state(a.id, DeviceState::Online, 200);
    REQUIRE(store->set_device_active(c.id, false, 300).ok());
    auto counts = store->device_state_counts();
    std::sort(counts.begin(), counts.end());
    const std::vector<std::pair<DeviceState, std::uint64_t>> expected = {
        {DeviceState::Offline, 1}, {DeviceState::Online, 1}, {DeviceState::Deactivated, 1}};
    CHECK(counts == expected);
    // SQLite's BINARY order: upper case first, whatever the PostgreSQL locale.
    const auto all = store->list_devices();
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "B");
    CHECK(all[1].name == "a");
    CHECK(all[2].name == "c");
}

TEST_CASE("store: a common name is in use while an unrevoked certificate is valid") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = make_device("alpha", 1);
    REQUIRE(store->add_device(a).ok());
    auto cert = make_cert("c1", a.id);
    cert.common_name = "alpha-cn";
    cert.not_after = 1000;
    REQUIRE(store->add_certificate(cert).ok());
    CHECK(store->common_name_in_use("alpha-cn", 1000));
    CHECK_FALSE(store->common_name_in_use("alpha-cn", 1001));  // expired
    CHECK_FALSE(store->common_name_in_use("other", 0));
    REQUIRE(store->revoke_certificate("c1", 10).ok());
    CHECK_FALSE(store->common_name_in_use("alpha-cn", 0));
    CHECK(store->revoke_certificate("c1", 11).status == Status::Invalid);
    CHECK(store->revoke_certificate("nope", 11).status == Status::NotFound);
}

TEST_CASE("store: a transaction without fsync is all or nothing too, and nests") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK_THROWS(store->transaction_without_fsync([&] {
        auto d = make_device("x", 1);
        REQUIRE(store->add_device(d).ok());
        throw std::runtime_error("boom");
    }));
    CHECK(store->device_count() == 0);
    store->transaction([&] {
        store->transaction_without_fsync([&] {
            auto d = make_device("y", 2);
            REQUIRE(store->add_device(d).ok());
        });
        auto d = make_device("z", 3);
        REQUIRE(store->add_device(d).ok());
    });
    store->transaction_without_fsync([&] {
        auto d = make_device("w", 4);
        REQUIRE(store->add_device(d).ok());
    });
    CHECK(store->device_count() == 3);
}

#include <catch2/catch.hpp>

#include "daemon/core/auth_service.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    core::SessionTable table;
    std::int64_t now = 5000;
    core::AuthService auth{
        *store, table, {*net::parse_network("10.8.0.0/24"), 0x0a080001}, [this] { return now; }};
    std::int64_t device_id = 0;

    Fixture() {
        store::Device d;
        d.name = "laptop";
        d.vpn_ip = 0x0a080007;
        REQUIRE(store->add_device(d).ok());
        device_id = d.id;
        store::Certificate c;
        c.serial = "abc123";
        c.device_id = d.id;
        c.common_name = "laptop";
        c.fingerprint = "00";
        c.not_before = 0;
        c.not_after = 10000;
        c.cert_pem = "x";
        REQUIRE(store->add_certificate(c).ok());
    }

    wire::Message request(wire::Type type, const std::string& serial) {
        wire::Message m(type, 11);
        m.set("tls_serial_hex_0", serial).set("common_name", "laptop");
        m.set("untrusted_ip", "192.0.2.5").set("untrusted_port", "40000");
        return m;
    }
};

}  // namespace

TEST_CASE("connect admits with the device's address and records the session") {
    Fixture f;
    auto reply = f.auth.handle(f.request(wire::Type::Connect, "AB:C1:23"), "main");
    REQUIRE(reply);
    CHECK(reply->type == wire::Type::Verdict);
    CHECK(reply->id == 11);
    CHECK(reply->get("result") == "allow");
    CHECK(reply->get("config") == "ifconfig-push 10.8.0.7 255.255.255.0\n");
    auto session = f.table.find("main", "192.0.2.5:40000");
    REQUIRE(session);
    CHECK(session->device_name == "laptop");
    CHECK(session->serial == "abc123");

    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 1);
    CHECK(batch.log[0].event == "connect");
    core::AuthService::write_batch(*f.store, batch);
    CHECK(f.store->find_device("laptop")->state == "online");
    CHECK(f.store->connections(f.device_id, 10).size() == 1);
    CHECK(f.auth.take_batch().empty());
}

TEST_CASE("disconnect logs bytes and duration and sets the device offline") {
    Fixture f;
    f.auth.handle(f.request(wire::Type::Connect, "abc123"), "main");
    auto bye = f.request(wire::Type::Disconnect, "abc123");
    bye.id = 0;
    bye.set("bytes_received", "1000").set("bytes_sent", "2000").set("time_duration", "42");
    CHECK_FALSE(f.auth.handle(bye, "main"));
    CHECK(f.table.size() == 0);
    core::AuthService::write_batch(*f.store, f.auth.take_batch());
    auto log = f.store->connections(f.device_id, 10);
    REQUIRE(log.size() == 2);
    CHECK(log[0].event == "disconnect");
    CHECK(log[0].bytes_received == 1000);
    CHECK(log[0].bytes_sent == 2000);
    CHECK(log[0].duration == 42);
    CHECK(f.store->find_device("laptop")->state == "offline");
    // The session's bytes count in the UTC month it ended (now = 5000: January 1970).
    auto traffic = f.store->traffic_of(f.device_id);
    REQUIRE(traffic.size() == 1);
    CHECK(traffic[0].month == 197001);
    CHECK(traffic[0].bytes_received == 1000);
    CHECK(traffic[0].bytes_sent == 2000);
}

TEST_CASE("the disconnect of a session from before a restart is credited to its device") {
    Fixture f;
    f.store->set_device_state(f.device_id, "online", 100);  // as the previous daemon left it
    auto bye = f.request(wire::Type::Disconnect, "abc123");
    bye.id = 0;
    bye.set("bytes_received", "70").set("bytes_sent", "30").set("time_duration", "9");
    f.auth.handle(bye, "main");
    core::AuthService::write_batch(*f.store, f.auth.take_batch());
    auto log = f.store->connections(f.device_id, 10);
    REQUIRE(log.size() == 1);
    CHECK(log[0].device_name == "laptop");
    CHECK(log[0].vpn_ip == "10.8.0.7");
    CHECK(f.store->traffic_of(f.device_id).at(0).bytes_received == 70);
    CHECK(f.store->find_device("laptop")->state == "offline");
}

TEST_CASE("a device without a valid license seat is refused with \"no license\"") {
    Fixture f;
    REQUIRE(f.store->unassign_license(f.device_id, 4000).ok());
    auto reply = f.auth.handle(f.request(wire::Type::Connect, "abc123"), "main");
    CHECK(reply->get("result") == "deny");
    CHECK(reply->get("reason") == "no license");
    store::License l;
    l.name = "short";
    l.seats = 1;
    l.expires_at = 6000;
    REQUIRE(f.store->add_license(l).ok());
    REQUIRE(f.store->assign_license(f.device_id, "short", 4000).ok());
    CHECK(f.auth.handle(f.request(wire::Type::Connect, "abc123"), "main")->get("result") == "allow");
    f.now = 6000;
    reply = f.auth.handle(f.request(wire::Type::Connect, "abc123"), "other");
    CHECK(reply->get("reason") == "no license");
}

TEST_CASE("refusals carry the reason and are logged") {
    Fixture f;
    auto reply = f.auth.handle(f.request(wire::Type::Auth, "ffff"), "main");
    CHECK(reply->get("result") == "deny");
    CHECK(reply->get("reason") == "certificate not registered");
    REQUIRE(f.store->revoke_certificate("abc123", 4000).ok());
    reply = f.auth.handle(f.request(wire::Type::Connect, "abc123"), "main");
    CHECK(reply->get("reason") == "certificate revoked");
    CHECK(f.table.size() == 0);
    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 2);
    CHECK(batch.log[1].event == "refused");
    CHECK(batch.log[1].device_id == f.device_id);
}

TEST_CASE("the disconnect of a client refused at connect is not a session end") {
    Fixture f;
    REQUIRE(f.store->revoke_certificate("abc123", 4000).ok());
    f.auth.handle(f.request(wire::Type::Connect, "abc123"), "main");
    auto bye = f.request(wire::Type::Disconnect, "abc123");
    bye.id = 0;
    f.auth.handle(bye, "main");
    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 1);
    CHECK(batch.log[0].event == "refused");
    f.auth.handle(bye, "main");  // a second one is an ordinary (unknown) disconnect
    CHECK(f.auth.take_batch().log.at(0).event == "disconnect");
}

TEST_CASE("pings are answered, replies never arrive unasked") {
    Fixture f;
    auto pong = f.auth.handle(wire::Message(wire::Type::Ping, 3), "main");
    REQUIRE(pong);
    CHECK(pong->type == wire::Type::Pong);
    CHECK(pong->id == 3);
    CHECK(f.auth.handle(wire::Message(wire::Type::Verdict, 4), "main")->type == wire::Type::Error);
}

#include <catch2/catch.hpp>

#include "daemon/core/auth_service.hpp"
#include "daemon/core/time_restriction.hpp"
#include "plugin_answer.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using warden::testing::handle;

namespace {

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    core::SessionTable table;
    std::int64_t now = 5000;
    core::Clock clock{[this] { return now; }};
    core::AuthService auth{*store, table, {*net::parse_network("10.8.0.0/24"), 0x0a080001}, clock};
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
    auto reply = handle(f.auth, f.request(wire::Type::Connect, "AB:C1:23"), "main");
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
    CHECK(batch.log[0].event == store::ConnectionEvent::Connect);
    core::AuthService::write_batch(*f.store, batch);
    CHECK(f.store->find_device("laptop")->state == store::DeviceState::Online);
    CHECK(f.store->connections(f.device_id, 10).size() == 1);
    CHECK(f.auth.take_batch().empty());
}

TEST_CASE("disconnect logs bytes and duration and sets the device offline") {
    Fixture f;
    handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    auto bye = f.request(wire::Type::Disconnect, "abc123");
    bye.id = 0;
    bye.set("bytes_received", "1000").set("bytes_sent", "2000").set("time_duration", "42");
    CHECK_FALSE(handle(f.auth, bye, "main"));
    CHECK(f.table.size() == 0);
    core::AuthService::write_batch(*f.store, f.auth.take_batch());
    auto log = f.store->connections(f.device_id, 10);
    REQUIRE(log.size() == 2);
    CHECK(log[0].event == store::ConnectionEvent::Disconnect);
    CHECK(log[0].bytes_received == 1000);
    CHECK(log[0].bytes_sent == 2000);
    CHECK(log[0].duration == 42);
    CHECK(f.store->find_device("laptop")->state == store::DeviceState::Offline);
    // The session's bytes count in the UTC month it ended (now = 5000: January 1970).
    auto traffic = f.store->traffic_of(f.device_id);
    REQUIRE(traffic.size() == 1);
    CHECK(traffic[0].month == 197001);
    CHECK(traffic[0].bytes_received == 1000);
    CHECK(traffic[0].bytes_sent == 2000);
}

TEST_CASE("the disconnect of a session from before a restart is credited to its device") {
    Fixture f;
    // As the previous daemon left it.
    f.store->set_device_state(f.device_id, store::DeviceState::Online, 100);
    auto bye = f.request(wire::Type::Disconnect, "abc123");
    bye.id = 0;
    bye.set("bytes_received", "70").set("bytes_sent", "30").set("time_duration", "9");
    handle(f.auth, bye, "main");
    core::AuthService::write_batch(*f.store, f.auth.take_batch());
    auto log = f.store->connections(f.device_id, 10);
    REQUIRE(log.size() == 1);
    CHECK(log[0].device_name == "laptop");
    CHECK(log[0].vpn_ip == "10.8.0.7");
    CHECK(f.store->traffic_of(f.device_id).at(0).bytes_received == 70);
    CHECK(f.store->find_device("laptop")->state == store::DeviceState::Offline);
}

TEST_CASE("a device without a valid license seat is refused with \"no license\"") {
    Fixture f;
    REQUIRE(f.store->unassign_license(f.device_id, 4000).ok());
    auto reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    CHECK(reply->get("result") == "deny");
    CHECK(reply->get("reason") == "no license");
    store::License l;
    l.name = "short";
    l.seats = 1;
    l.expires_at = 6000;
    REQUIRE(f.store->add_license(l).ok());
    REQUIRE(f.store->assign_license(f.device_id, "short", 4000).ok());
    f.auth.refresh();  // as the daemon's after-write hook does
    CHECK(handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main")->get("result") ==
          "allow");
    f.now = 6000;
    reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "other");
    CHECK(reply->get("reason") == "no license");
}

TEST_CASE("refusals carry the reason and are logged") {
    Fixture f;
    auto reply = handle(f.auth, f.request(wire::Type::Auth, "ffff"), "main");
    CHECK(reply->get("result") == "deny");
    CHECK(reply->get("reason") == "certificate not registered");
    REQUIRE(f.store->revoke_certificate("abc123", 4000).ok());
    f.auth.refresh();  // as the daemon's after-write hook does
    reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    CHECK(reply->get("reason") == "certificate revoked");
    CHECK(f.table.size() == 0);
    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 2);
    CHECK(batch.log[1].event == store::ConnectionEvent::Refused);
    CHECK(batch.log[1].device_id == f.device_id);
}

TEST_CASE("the disconnect of a client refused at connect is not a session end") {
    Fixture f;
    REQUIRE(f.store->revoke_certificate("abc123", 4000).ok());
    handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    auto bye = f.request(wire::Type::Disconnect, "abc123");
    bye.id = 0;
    handle(f.auth, bye, "main");
    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 1);
    CHECK(batch.log[0].event == store::ConnectionEvent::Refused);
    handle(f.auth, bye, "main");  // a second one is an ordinary (unknown) disconnect
    CHECK(f.auth.take_batch().log.at(0).event == store::ConnectionEvent::Disconnect);
}

namespace {

// `count` routers in group "lan" that "default" may reach; `spread` leaves a gap after
// each /24 so that nothing can be aggregated.
void add_routers(Fixture& f, int count, bool spread) {
    store::Group lan;
    lan.name = "lan";
    REQUIRE(f.store->add_group(lan).ok());
    store::Rule rule;
    rule.from_group = "default";
    rule.to_group = "lan";
    REQUIRE(f.store->add_rule(rule).ok());
    f.store->transaction([&] {
        for (int i = 0; i < count; ++i) {
            const int slot = spread ? 2 * i : i;
            store::Device r;
            r.name = "r" + std::to_string(i);
            r.type = store::DeviceType::Router;
            r.group = "lan";
            r.vpn_ip = 0x0a090000u + static_cast<std::uint32_t>(i);
            r.network = "10." + std::to_string(16 + slot / 256) + "." + std::to_string(slot % 256) +
                        ".0/24";
            REQUIRE(f.store->add_device(r).ok());
        }
    });
}

}  // namespace

TEST_CASE("a connect reply over the frame limit is refused at once with the reason") {
    Fixture f;
    add_routers(f, 2000, true);  // 2 000 routes of ~38 bytes: over 64 KiB
    auto reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    REQUIRE(reply);
    CHECK(reply->type == wire::Type::Verdict);
    CHECK(reply->get("result") == "deny");
    CHECK(reply->get_or("reason", "").rfind("client config too large: ", 0) == 0);
    CHECK_FALSE(f.table.find("main", "192.0.2.5:40000"));  // no session
    std::string frame;
    CHECK(wire::encode(*reply, frame));  // the refusal itself can be sent
    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 1);
    CHECK(batch.log[0].event == store::ConnectionEvent::Refused);
}

TEST_CASE("adjacent routed networks are pushed aggregated and fit in the reply") {
    Fixture f;
    add_routers(f, 2048, false);  // 10.16.0.0/24 .. 10.23.255.0/24: one /13
    auto reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    REQUIRE(reply);
    CHECK(reply->get("result") == "allow");
    CHECK(reply->get_or("config", "") ==
          "ifconfig-push 10.8.0.7 255.255.255.0\n"
          "push \"route 10.16.0.0 255.248.0.0\"\n");
}

namespace {

wire::Message from_ipv6(Fixture& f, wire::Type type, const std::string& ip6,
                        const std::string& port) {
    wire::Message m(type, 12);
    m.set("tls_serial_hex_0", "abc123").set("common_name", "laptop");
    m.set("untrusted_ip6", ip6).set("untrusted_port", port);
    (void)f;
    return m;
}

}  // namespace

TEST_CASE("clients over IPv6 are keyed by [address]:port, not by the port alone") {
    Fixture f;
    // Two clients from the same port number on different IPv6 addresses.
    REQUIRE(handle(f.auth, from_ipv6(f, wire::Type::Connect, "fd00::2", "40000"), "main")
                ->get("result") == "allow");
    REQUIRE(handle(f.auth, from_ipv6(f, wire::Type::Connect, "FD00::3", "40000"), "main")
                ->get("result") == "allow");
    CHECK(f.table.size() == 2);
    REQUIRE(f.table.find("main", "[fd00::2]:40000"));
    REQUIRE(f.table.find("main", "[fd00::3]:40000"));
    CHECK_FALSE(f.table.find("main", ":40000"));

    // The disconnect of one ends that one and is credited to its device.
    auto bye = from_ipv6(f, wire::Type::Disconnect, "fd00::3", "40000");
    bye.set("bytes_received", "100").set("bytes_sent", "200");
    handle(f.auth, bye, "main");
    CHECK(f.table.find("main", "[fd00::2]:40000"));
    CHECK_FALSE(f.table.find("main", "[fd00::3]:40000"));
    auto batch = f.auth.take_batch();
    REQUIRE(batch.log.size() == 3);
    CHECK(batch.log[2].event == store::ConnectionEvent::Disconnect);
    CHECK(batch.log[2].real_address == "[fd00::3]:40000");
    CHECK(batch.log[2].device_id == f.device_id);
    CHECK(batch.log[2].bytes_sent == 200);
}

TEST_CASE("the management interface's port-less IPv6 address finds the plugin's session") {
    Fixture f;
    handle(f.auth, from_ipv6(f, wire::Type::Connect, "fd00::2", "40000"), "main");
    auto s = f.table.find_reported("main", "[fd00::2]", "10.8.0.7");
    REQUIRE(s);
    CHECK(s->real_address == "[fd00::2]:40000");
    CHECK_FALSE(f.table.find_reported("main", "[fd00::2]", "10.8.0.9"));  // another client
    CHECK_FALSE(f.table.find_reported("main", "[fd00::22]", "10.8.0.7"));
    CHECK_FALSE(f.table.find_reported("other", "[fd00::2]", "10.8.0.7"));
    handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    CHECK(f.table.find_reported("main", "192.0.2.5:40000", "")->real_address == "192.0.2.5:40000");
}

TEST_CASE("pings are answered, replies never arrive unasked") {
    Fixture f;
    auto pong = handle(f.auth, wire::Message(wire::Type::Ping, 3), "main");
    REQUIRE(pong);
    CHECK(pong->type == wire::Type::Pong);
    CHECK(pong->id == 3);
    CHECK(handle(f.auth, wire::Message(wire::Type::Verdict, 4), "main")->type == wire::Type::Error);
}

TEST_CASE("a prefetch answers what a connect would, with no effect at all") {
    Fixture f;
    auto reply = handle(f.auth, f.request(wire::Type::Prefetch, "abc123"), "main");
    REQUIRE(reply);
    CHECK(reply->type == wire::Type::Verdict);
    CHECK(reply->id == 11);
    CHECK(reply->get("result") == "allow");
    CHECK(reply->get("config") == "ifconfig-push 10.8.0.7 255.255.255.0\n");
    CHECK(f.table.size() == 0);          // no session
    CHECK(f.auth.take_batch().empty());  // no log row, no state

    reply = handle(f.auth, f.request(wire::Type::Prefetch, "ffff"), "main");
    CHECK(reply->get("result") == "deny");
    CHECK(f.auth.take_batch().empty());  // a refused prefetch is no refusal: nothing logged

    SECTION("a device that needs credentials gets no prefetched allow") {
        f.store->set_password_hash(f.device_id, "$y$hash");
        f.auth.refresh();
        reply = handle(f.auth, f.request(wire::Type::Prefetch, "abc123"), "main");
        CHECK(reply->get("result") == "deny");
    }
}

TEST_CASE("a connect admitted on a prefetch is recorded without an answer, or ended") {
    Fixture f;
    std::vector<std::pair<std::string, std::string>> ended;  // address, why
    f.auth.on_withdrawn_admission([&](const core::LiveSession& s, const std::string& why) {
        ended.emplace_back(s.real_address, why);
    });
    auto notice = f.request(wire::Type::Connect, "abc123");
    notice.id = 0;
    notice.set("prefetched", "1");

    CHECK_FALSE(handle(f.auth, notice, "main"));  // the plugin waits for no answer
    CHECK(f.table.find("main", "192.0.2.5:40000"));
    CHECK(ended.empty());

    // Revoked between the prefetch and the Connect: the session ends at once.
    REQUIRE(f.store->revoke_certificate("abc123", 4000).ok());
    f.auth.refresh();
    auto late = f.request(wire::Type::Connect, "abc123");
    late.id = 0;
    late.set("prefetched", "1");
    late.fields[3].second = "40001";  // untrusted_port
    CHECK_FALSE(handle(f.auth, late, "main"));
    REQUIRE(ended.size() == 1);
    CHECK(ended[0] ==
          std::pair<std::string, std::string>{"192.0.2.5:40001", "certificate revoked"});
    CHECK_FALSE(f.table.find("main", "192.0.2.5:40001"));
}

TEST_CASE("an Auth's allow carries the Connect verdict that will follow, a refusal does not") {
    Fixture f;
    auto reply = handle(f.auth, f.request(wire::Type::Auth, "abc123"), "main");
    REQUIRE(reply);
    CHECK(reply->get("result") == "allow");
    CHECK(reply->get("prefetched") == "1");
    CHECK(reply->get("config") == "ifconfig-push 10.8.0.7 255.255.255.0\n");
    CHECK(f.table.size() == 0);  // the Connect records the session, not the Auth

    REQUIRE(f.store->revoke_certificate("abc123", 4000).ok());
    f.auth.refresh();
    reply = handle(f.auth, f.request(wire::Type::Auth, "abc123"), "main");
    CHECK(reply->get("result") == "deny");
    CHECK_FALSE(reply->get("prefetched"));
    CHECK_FALSE(reply->get("config"));
}

TEST_CASE("a time-restricted device is refused until released, its refusal is noticed") {
    Fixture f;
    std::vector<std::int64_t> noticed;
    f.auth.on_not_released([&](std::int64_t id) { noticed.push_back(id); });
    store::TrSettings t;
    t.device_id = f.device_id;
    t.start = 4000;
    t.end = 6000;
    REQUIRE(f.store->put_tr_settings(t).ok());
    f.auth.refresh(core::VerdictIndex::kTimeRestriction);

    auto prefetch = handle(f.auth, f.request(wire::Type::Prefetch, "abc123"), "main");
    REQUIRE(prefetch);
    CHECK(prefetch->get("result") != "allow");
    CHECK(noticed.empty());  // a prefetch is no attempt: no mail

    auto reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    REQUIRE(reply);
    CHECK(reply->get("result") == "deny");
    CHECK(reply->get("reason") == core::kNotReleased);
    CHECK(noticed == std::vector<std::int64_t>{f.device_id});

    f.store->set_tr_release(f.device_id, 6000);
    f.auth.refresh(core::VerdictIndex::kTimeRestriction);
    reply = handle(f.auth, f.request(wire::Type::Connect, "abc123"), "main");
    REQUIRE(reply);
    CHECK(reply->get("result") == "allow");
    CHECK(noticed.size() == 1);
}

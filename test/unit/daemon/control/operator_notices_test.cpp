// Operator notices of devices added and deleted (issue 10) over a real store, with an
// outbox that only inserts into the queue (the worker has its own tests in unit_mail),
// and the texts of the availability alerts.
#include <catch2/catch.hpp>

#include "control_fixture.hpp"
#include "daemon/control/notices.hpp"

using namespace warden;
using namespace warden::control;
using warden::control::test::Fixture;

namespace {

struct NoticeFixture : Fixture {
    int wakes = 0;
    std::size_t committed_at_wake = 0;  // queued rows another connection saw when woken
    bool fail_enqueue = false;

    void enable_mail(const std::string& operator_address) {
        config.mail.enabled = true;
        config.mail.operator_address = operator_address;
        MailOutbox outbox;
        outbox.enqueue = [this](const std::string& kind, const std::string& to,
                                const std::string& subject, const std::string& body,
                                std::string&) -> std::optional<std::int64_t> {
            if (fail_enqueue) throw std::runtime_error("disk I/O error");
            store::QueuedMail m;
            m.kind = kind;
            m.recipient = to;
            m.subject = subject;
            m.body = body;
            m.created_at = m.next_attempt_at = clock;
            store->enqueue_mail(m);
            return m.id;
        };
        // The worker reads on a connection of its own: it must find the row when woken.
        outbox.wake = [this] {
            ++wakes;
            auto worker = store::open_sqlite(config.database_path()).store;
            committed_at_wake = worker->list_mail(std::nullopt).size();
        };
        services->mail = outbox;
    }
    std::vector<store::QueuedMail> mails() { return store->list_mail(std::nullopt); }
};

}  // namespace

TEST_CASE("operator notices: add, copy, delete and replace each mail the operator once") {
    NoticeFixture f;
    f.enable_mail("ops@example.org");
    REQUIRE(f.run("device.add", {{"name", "r1"}, {"type", "router"}}).code == Code::Ok);
    auto m = f.mails();
    REQUIRE(m.size() == 1);
    CHECK(m[0].kind == "operator");
    CHECK(m[0].recipient == "ops@example.org");
    CHECK(m[0].subject == "warden: device r1 added");
    CHECK(m[0].body.find("was added by root at ") != std::string::npos);
    CHECK(m[0].body.find("  type:   router\n") != std::string::npos);
    CHECK(m[0].body.find("  group:  default\n") != std::string::npos);
    CHECK(m[0].body.find("command: device.add type=router vpn_ip=") != std::string::npos);
    CHECK(f.wakes == 1);
    CHECK(f.committed_at_wake == 1);  // woken after the commit, not before

    REQUIRE(f.run("device.copy", {{"source", "r1"}, {"name", "r2"}}).code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "r3"}, {"type", "router"}}).code == Code::Ok);
    REQUIRE(f.run("device.delete", {{"name", "r1"}}).code == Code::Ok);
    REQUIRE(f.run("device.replace", {{"old", "r2"}, {"new", "r3"}}).code == Code::Ok);
    m = f.mails();
    REQUIRE(m.size() == 5);
    CHECK(m[1].subject == "warden: device r2 added");
    CHECK(m[1].body.find("command: device.copy from=r1") != std::string::npos);
    CHECK(m[3].subject == "warden: device r1 deleted");
    CHECK(m[3].body.find("  type:   router\n") != std::string::npos);
    CHECK(m[4].subject == "warden: device r2 replaced by r3");
    CHECK(f.wakes == 5);
    CHECK(f.committed_at_wake == 5);
}

TEST_CASE("operator notices: a refused change mails nothing") {
    NoticeFixture f;
    f.enable_mail("ops@example.org");
    REQUIRE(f.run("device.add", {{"name", "r1"}, {"type", "router"}}).code == Code::Ok);
    CHECK(f.run("device.add", {{"name", "r1"}, {"type", "router"}}).code != Code::Ok);
    CHECK(f.run("device.delete", {{"name", "nope"}}).code == Code::NotFound);
    CHECK(f.mails().size() == 1);
}

TEST_CASE("operator notices: stored with the change or not at all") {
    NoticeFixture f;
    f.enable_mail("ops@example.org");
    f.fail_enqueue = true;  // the queue's insert fails: the device is not added either
    CHECK(f.run("device.add", {{"name", "r1"}, {"type", "router"}}).code != Code::Ok);
    CHECK_FALSE(f.store->find_device("r1"));
    CHECK(f.mails().empty());
}

TEST_CASE("operator notices: none without an operator address or with mail off") {
    NoticeFixture f;
    SECTION("mail off") {}
    SECTION("mail on, no operator address") {
        f.enable_mail("");
    }
    REQUIRE(f.run("device.add", {{"name", "r1"}, {"type", "router"}}).code == Code::Ok);
    REQUIRE(f.run("device.delete", {{"name", "r1"}}).code == Code::Ok);
    CHECK(f.mails().empty());
}

TEST_CASE("alert texts: device name, since when offline, how long it was down") {
    store::Device d;
    d.name = "plant-7";
    d.type = store::DeviceType::Router;
    d.group = "plants";
    d.vpn_ip = 0x0a080005;
    const std::int64_t since = 1796212800;  // 2026-12-02T12:00:00Z
    const auto off = offline_notice(d, since, since + 300);
    CHECK(off.subject == "warden: plant-7 is offline");
    CHECK(off.body.find("has been offline since 2026-12-02T12:00:00Z (5m)") != std::string::npos);
    CHECK(off.body.find("  group:  plants\n") != std::string::npos);
    CHECK(off.body.find("  VPN IP: 10.8.0.5\n") != std::string::npos);
    const auto back = recovered_notice(d, since, since + 3720);
    CHECK(back.subject == "warden: plant-7 is back online");
    CHECK(back.body.find("back online since 2026-12-02T13:02:00Z") != std::string::npos);
    CHECK(back.body.find("offline from 2026-12-02T12:00:00Z, for 1h 2m") != std::string::npos);
}

TEST_CASE("alert recipient: the device's address, else the operator's, else none") {
    core::Config config;
    store::Device d;
    CHECK_FALSE(alert_recipient(d, config));
    config.mail.operator_address = "ops@example.org";
    CHECK(alert_recipient(d, config) == "ops@example.org");
    d.email = "site@example.org";
    CHECK(alert_recipient(d, config) == "site@example.org");
}

// AvailabilityWatch against a real store, a fake outbox and a controllable clock. As in
// license_watch_test, the timer's waits (whole seconds) are not run: rearm() is what the
// timer and a clock jump call, so it is driven directly.
#include <catch2/catch.hpp>

#include "daemon/app/availability_watch.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using store::DeviceState;

namespace {

struct Sent {
    std::string kind, to, subject, body;
};

struct Fixture {
    testing::TempDir dir;
    core::Config config;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    boost::asio::io_context io;
    std::int64_t now = 10000;
    core::Clock clock{[this] { return now; }};
    std::optional<control::MailOutbox> mail;
    std::vector<Sent> sent;
    int wakes = 0;
    std::unique_ptr<app::AvailabilityWatch> watch;

    Fixture() {
        config.monitor.offline_after = 300;
        config.mail.operator_address = "ops@example.org";
        control::MailOutbox outbox;
        outbox.enqueue = [this](const std::string& kind, const std::string& to,
                                const std::string& subject, const std::string& body,
                                std::string&) -> std::optional<std::int64_t> {
            sent.push_back({kind, to, subject, body});
            return static_cast<std::int64_t>(sent.size());
        };
        outbox.wake = [this] { ++wakes; };
        mail = outbox;
        restart();
    }
    // A new watch on the same store, as after a wardend restart.
    void restart(bool rebuild_follows = true) {
        if (watch) watch->stop();
        watch = std::make_unique<app::AvailabilityWatch>(io, *store, config, clock, mail);
        watch->start(rebuild_follows);
    }
    std::int64_t device(const std::string& name, bool monitor, const std::string& email = {}) {
        store::Device d;
        d.name = name;
        d.vpn_ip = 0x0a080000 + static_cast<std::uint32_t>(store->device_count()) + 2;
        d.monitor = monitor;
        d.email = email;
        d.created_at = d.state_since = 100;
        REQUIRE(store->add_device(d).ok());
        return d.id;
    }
    // What AuthService reports, and what its batch writes to the store.
    void connect(std::int64_t id) {
        store->set_device_state(id, DeviceState::Online, now);
        watch->state_changed(id, DeviceState::Online, now);
    }
    void disconnect(std::int64_t id) {
        store->set_device_state(id, DeviceState::Offline, now);
        watch->state_changed(id, DeviceState::Offline, now);
    }
    void at(std::int64_t t) {  // the timer fires (or the clock jumps) at t
        now = t;
        watch->rearm();
    }
    std::vector<std::string> activity(const std::string& prefix = "monitor.") {
        std::vector<std::string> out;
        for (const auto& e : store->activity(0, 100))
            if (e.action.rfind(prefix, 0) == 0) out.push_back(e.action + " " + e.object);
        return out;
    }
    control::SessionView session_of(std::int64_t id) {
        control::SessionView v;
        v.device_id = id;
        return v;
    }
};

}  // namespace

TEST_CASE("availability watch: one offline mail after the threshold, one when it is back") {
    Fixture f;
    const auto id = f.device("plant", true, "site@example.org");
    f.connect(id);
    f.at(11000);
    f.disconnect(id);
    f.at(11299);
    CHECK(f.sent.empty());
    f.at(11300);
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].kind == "alert");
    CHECK(f.sent[0].to == "site@example.org");
    CHECK(f.sent[0].subject == "warden: plant is offline");
    CHECK(f.wakes == 1);
    REQUIRE(f.store->offline_alerts().size() == 1);
    CHECK(f.store->offline_alerts()[0].offline_since == 11000);
    f.at(20000);
    CHECK(f.sent.size() == 1);  // once per outage

    f.connect(id);
    REQUIRE(f.sent.size() == 2);
    CHECK(f.sent[1].to == "site@example.org");
    CHECK(f.sent[1].subject == "warden: plant is back online");
    CHECK(f.sent[1].body.find("for 2h 30m") != std::string::npos);
    CHECK(f.store->offline_alerts().empty());
    // Newest first.
    CHECK(f.activity() ==
          std::vector<std::string>{"monitor.recovered plant", "monitor.offline plant"});
}

TEST_CASE("availability watch: a flap within the threshold mails nothing") {
    Fixture f;
    const auto id = f.device("plant", true);
    f.connect(id);
    f.disconnect(id);
    f.at(10299);
    f.connect(id);
    f.at(20000);
    CHECK(f.sent.empty());
    CHECK(f.activity().empty());
}

TEST_CASE("availability watch: the operator gets the alerts of a device without an address") {
    Fixture f;
    const auto id = f.device("plant", true);
    f.connect(id);
    f.disconnect(id);
    f.at(10300);
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].to == "ops@example.org");
}

TEST_CASE("availability watch: without any address or with mail off it only logs") {
    Fixture f;
    SECTION("no address") {
        f.config.mail.operator_address.clear();
    }
    SECTION("mail off") {
        f.mail.reset();
    }
    const auto id = f.device("plant", true);
    f.connect(id);
    f.disconnect(id);
    f.at(10300);
    f.connect(id);
    CHECK(f.sent.empty());
    CHECK(f.activity() ==
          std::vector<std::string>{"monitor.recovered plant", "monitor.offline plant"});
}

TEST_CASE("availability watch: unmonitored and deactivated devices are not alerted") {
    Fixture f;
    const auto quiet = f.device("quiet", false);
    const auto off = f.device("off", true);
    f.connect(quiet);
    f.connect(off);
    f.disconnect(quiet);
    f.disconnect(off);
    REQUIRE(f.store->set_device_active(off, false, f.now).ok());
    f.at(20000);
    f.connect(quiet);
    CHECK(f.sent.empty());
    CHECK(f.activity().empty());
}

TEST_CASE("availability watch: the recovery mail comes after a wardend restart too") {
    Fixture f;
    const auto id = f.device("plant", true);
    f.connect(id);
    f.disconnect(id);
    f.at(10300);
    REQUIRE(f.sent.size() == 1);
    f.now = 12000;
    f.restart();
    f.at(30000);
    CHECK(f.sent.size() == 1);                            // not alerted again
    f.watch->sessions_listed({f.session_of(id)}, 30000);  // it is back
    REQUIRE(f.sent.size() == 2);
    CHECK(f.sent[1].subject == "warden: plant is back online");
    CHECK(f.store->offline_alerts().empty());
}

TEST_CASE("availability watch: a wardend restart while the device stays connected mails nothing") {
    Fixture f;
    const auto id = f.device("plant", true);
    const auto gone = f.device("gone", true);
    f.connect(id);
    f.connect(gone);
    f.now = 50000;
    f.restart();  // the store still says both are online
    f.at(50001);
    // The management interface came up at 50001 and lists one of them (by common name:
    // the plugin did not report it to this wardend).
    auto cert = store::Certificate{};
    cert.serial = "01";
    cert.device_id = id;
    cert.common_name = "plant-cn";
    REQUIRE(f.store->add_certificate(cert).ok());
    control::SessionView listed;
    listed.common_name = "plant-cn";
    f.watch->sessions_listed({listed}, 50001);
    f.at(50299);
    CHECK(f.sent.empty());
    f.at(50300);  // the other's clock started at the restart
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].subject == "warden: gone is offline");
    CHECK(f.sent[0].body.find("offline since 1970-01-01T13:53:20Z (5m)") != std::string::npos);
    f.at(90000);
    CHECK(f.sent.size() == 1);
}

TEST_CASE("availability watch: its one timer fires the offline alert on its own") {
    Fixture f;
    f.config.monitor.offline_after = 1;
    f.now = std::time(nullptr);
    core::Clock real{[] { return static_cast<std::int64_t>(std::time(nullptr)); }};
    f.watch = std::make_unique<app::AvailabilityWatch>(f.io, *f.store, f.config, real, f.mail);
    f.watch->start(false);
    const auto id = f.device("plant", true);
    f.watch->state_changed(id, DeviceState::Online, real.now());
    f.watch->state_changed(id, DeviceState::Offline, real.now());
    CHECK(f.sent.empty());
    // The timer waits whole seconds: at most 2 here. Bounded, never a sleep.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (f.sent.empty() && std::chrono::steady_clock::now() < deadline)
        f.io.run_one_for(std::chrono::milliseconds(100));
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].subject == "warden: plant is offline");
}

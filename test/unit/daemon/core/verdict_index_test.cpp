// The verdict index on its own: what it answers for a serial, what each part's reload
// reads, and which parts a command family reloads.
#include <catch2/catch.hpp>

#include "daemon/core/verdict_index.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using core::VerdictIndex;

namespace {

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    VerdictIndex index;

    std::int64_t add(const std::string& name, const std::string& serial, std::uint32_t ip,
                     const std::string& group = "default", const std::string& network = "") {
        store::Device d;
        d.name = name;
        d.vpn_ip = ip;
        d.group = group;
        d.email = name + "@example.net";
        if (!network.empty()) {
            d.type = store::DeviceType::Router;
            d.network = network;
        }
        REQUIRE(store->add_device(d).ok());
        store::Certificate c;
        c.serial = serial;
        c.device_id = d.id;
        c.common_name = name;
        c.fingerprint = "00";
        c.not_before = 10;
        c.not_after = 10000;
        c.cert_pem = "PEM";
        c.key_pem = "KEY";
        REQUIRE(store->add_certificate(c).ok());
        return d.id;
    }
};

}  // namespace

TEST_CASE("verdict index: a serial's binding is the store's, without PEMs and unused columns") {
    Fixture f;
    const auto id = f.add("laptop", "abc1", 0x0a080007);
    f.index.reload(*f.store);
    const auto expected = f.store->find_by_serial("abc1");
    const auto got = f.index.binding("abc1");
    REQUIRE(got);
    CHECK(got->cert.serial == "abc1");
    CHECK(got->cert.device_id == id);
    CHECK(got->cert.not_before == 10);
    CHECK(got->cert.not_after == 10000);
    CHECK_FALSE(got->cert.revoked_at);
    CHECK(got->cert.cert_pem.empty());
    CHECK(got->cert.key_pem.empty());
    REQUIRE(got->device);
    CHECK(got->device->name == "laptop");
    CHECK(got->device->vpn_ip == 0x0a080007);
    CHECK(got->device->group == "default");
    CHECK(got->device->email.empty());
    REQUIRE(got->license);
    CHECK(got->license->id == expected->license->id);
    CHECK(got->license->expires_at == expected->license->expires_at);
    CHECK_FALSE(f.index.binding("abc2"));
    CHECK(f.index.device_count() == 1);
    CHECK(f.index.certificate_count() == 1);
}

TEST_CASE("verdict index: revoked, deleted and seatless devices are as the store says") {
    Fixture f;
    const auto id = f.add("laptop", "abc1", 0x0a080007);
    f.add("gone", "abc2", 0x0a080008);
    REQUIRE(f.store->revoke_certificate("abc1", 50).ok());
    REQUIRE(f.store->delete_device("gone", 60).ok());
    REQUIRE(f.store->unassign_license(id, 70).ok());
    f.index.reload(*f.store);
    CHECK(f.index.binding("abc1")->cert.revoked_at == 50);
    CHECK_FALSE(f.index.binding("abc1")->license);
    CHECK_FALSE(f.index.binding("abc2")->device);  // the certificate outlives its device
    CHECK(f.index.binding("abc2")->cert.revoked_at == 60);
}

TEST_CASE("verdict index: each part reloads what it covers") {
    Fixture f;
    const auto id = f.add("laptop", "abc1", 0x0a080007);
    f.add("r1", "abc2", 0x0a080009, "default", "192.168.5.0/24");
    f.index.reload(*f.store);
    CHECK_FALSE(f.index.login_requirements(id).group_requires_totp);
    CHECK(f.index.reachable("default").empty());

    REQUIRE(f.store->set_group_requires_totp("default", true).ok());
    f.index.reload(*f.store, VerdictIndex::kLogins);
    CHECK(f.index.login_requirements(id).group_requires_totp);
    f.store->set_password_hash(id, "$y$hash");
    f.index.reload(*f.store, VerdictIndex::kLogins);
    CHECK(f.index.login_requirements(id).password);

    store::Rule r;
    r.from_group = "default";
    r.to_group = "default";
    REQUIRE(f.store->add_rule(r).ok());
    CHECK(f.index.reachable("default").empty());  // cached until the routes reload
    f.index.reload(*f.store, VerdictIndex::kRoutes);
    REQUIRE(f.index.reachable("default").size() == 1);
    CHECK(net::format_ipv4(f.index.reachable("default")[0].network.address) == "192.168.5.0");

    REQUIRE(f.store->unassign_license(id, 70).ok());
    f.index.reload(*f.store, VerdictIndex::kLicenses);
    CHECK_FALSE(f.index.binding("abc1")->license);
}

TEST_CASE("verdict index: command families reload what they can change, unknown ones all") {
    using V = VerdictIndex;
    CHECK(V::parts_changed_by("rule.add") == V::kRoutes);
    CHECK(V::parts_changed_by("group.add") == V::kRoutes);
    CHECK(V::parts_changed_by("group.require-totp") == V::kLogins);
    CHECK(V::parts_changed_by("totp.confirm") == V::kLogins);
    CHECK(V::parts_changed_by("device.password") == V::kLogins);
    CHECK(V::parts_changed_by("license.assign") == V::kLicenses);
    CHECK(V::parts_changed_by("otp.issue") == 0);
    CHECK(V::parts_changed_by("session.kill") == 0);
    CHECK(V::parts_changed_by("device.add") == V::kAll);
    CHECK(V::parts_changed_by("device.edit") == V::kAll);
    CHECK(V::parts_changed_by("cert.revoke") == V::kCertificates);
    CHECK(V::parts_changed_by("device.deactivate") == (V::kDevices | V::kRoutes));
    CHECK(V::parts_changed_by("something.new") == V::kAll);
    CHECK(V::parts_changed_by("tr.set") == V::kTimeRestriction);
    CHECK(V::parts_changed_by("tr.off") == V::kTimeRestriction);
    CHECK(V::parts_changed_by("tr.confirm") == V::kTimeRestriction);
    CHECK(V::parts_changed_by("tr.send") == 0);
    CHECK((V::kAll & V::kTimeRestriction) != 0);
}

TEST_CASE("verdict index: a TR device's gate and release come from the TR part") {
    Fixture f;
    const auto id = f.add("laptop", "abc1", 0x0a080007);
    f.add("other", "abc2", 0x0a080008);
    f.index.reload(*f.store);
    CHECK_FALSE(f.index.binding("abc1")->time_restriction);

    store::TrSettings t;
    t.device_id = id;
    t.start = 100;
    t.end = 200;
    REQUIRE(f.store->put_tr_settings(t).ok());
    CHECK_FALSE(f.index.binding("abc1")->time_restriction);  // until the part reloads
    f.index.reload(*f.store, VerdictIndex::kTimeRestriction);
    auto gate = f.index.binding("abc1")->time_restriction;
    REQUIRE(gate);
    CHECK_FALSE(gate->released_until);
    CHECK_FALSE(f.index.binding("abc2")->time_restriction);

    f.store->set_tr_release(id, 200);
    f.index.reload(*f.store, VerdictIndex::kTimeRestriction);
    CHECK(f.index.binding("abc1")->time_restriction->released_until ==
          std::optional<std::int64_t>(200));
    CHECK(f.index.binding("abc1")->time_restriction ==
          f.store->find_by_serial("abc1")->time_restriction);

    REQUIRE(f.store->delete_tr_settings(id));
    f.index.reload(*f.store, VerdictIndex::kTimeRestriction);
    CHECK_FALSE(f.index.binding("abc1")->time_restriction);
}

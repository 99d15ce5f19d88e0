// license.add / list / assign / unassign and device add --license.
#include "usage_fixture.hpp"

using namespace warden;
using namespace warden::usage_test;

TEST_CASE("license add validates, records, and shows up in the list with seats") {
    Fixture f;
    auto added =
        f.run("license.add", {{"name", "gold"}, {"seats", 2}, {"expires", "2099-01-01T00:00Z"}});
    REQUIRE(added.code == Code::Ok);
    CHECK(added.result.at("expires").as_string() == "2099-01-01T00:00:00Z");
    CHECK(f.licenses_changed == 1);
    CHECK(f.activity_has("license.add", "gold"));
    struct Case {
        json::object args;
        const char* field;
    };
    const std::vector<Case> bad = {
        {{{"name", "gold"}, {"seats", 1}}, "name:"},
        {{{"name", "bad name"}, {"seats", 1}}, "name:"},
        {{{"name", ""}, {"seats", 1}}, "name:"},
        {{{"name", "x"}, {"seats", 0}}, "seats:"},
        {{{"name", "x"}, {"seats", -3}}, "seats:"},
        {{{"name", "x"}, {"seats", 1}, {"expires", "next week"}}, "expires:"},
        {{{"name", "x"}, {"seats", 1}, {"expires", "2026-02-30"}}, "expires:"},
        {{{"name", "x"}, {"seats", 1}, {"expires", "2000-01-01T00:00Z"}}, "expires:"},
    };
    for (const auto& c : bad) {
        INFO(json::serialize(c.args));
        auto reply = f.run("license.add", c.args);
        CHECK(reply.code == Code::Invalid);
        CHECK(reply.message.rfind(c.field, 0) == 0);
    }
    CHECK(f.run("license.add", {{"name", "x"}}).code == Code::Usage);  // seats required
    CHECK(f.store->list_licenses().size() == 2);

    REQUIRE(f.run("device.add", {{"name", "pc1"}, {"type", "pc"}}).code == Code::Ok);
    auto list = f.run("license.list");
    REQUIRE(list.code == Code::Ok);
    const auto& rows = list.result.as_array();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].at("name").as_string() == "default");
    CHECK(rows[0].at("used").as_int64() == 1);
    CHECK(rows[0].at("free").as_int64() == 999);
    CHECK(rows[0].at("expires").is_null());
    CHECK(rows[1].at("state").as_string() == "valid");
}

TEST_CASE("assign moves a device within seats, unassign ends its session") {
    Fixture f;
    REQUIRE(f.run("license.add", {{"name", "one"}, {"seats", 1}}).code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}}).code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "b"}, {"type", "pc"}}).code == Code::Ok);
    auto moved = f.run("license.assign", {{"device", "a"}, {"license", "one"}});
    REQUIRE(moved.code == Code::Ok);
    CHECK(f.store->seat_of(f.id_of("a")).license->name == "one");
    CHECK(f.activity_has("license.assign", "a"));
    auto full = f.run("license.assign", {{"device", "b"}, {"license", "one"}});
    CHECK(full.code == Code::Invalid);
    CHECK(full.message.rfind("license: no free seat", 0) == 0);
    CHECK(f.run("license.assign", {{"device", "b"}, {"license", "nope"}}).code == Code::NotFound);
    CHECK(f.run("license.assign", {{"device", "zz"}, {"license", "one"}})
              .message.rfind("device:", 0) == 0);

    auto shown = f.run("device.show", {{"name", "a"}});
    CHECK(shown.result.at("license").as_string() == "one");
    const auto changes = f.licenses_changed;
    auto off = f.run("license.unassign", {{"device", "a"}});
    REQUIRE(off.code == Code::Ok);
    CHECK(f.sessions.ended_devices == std::vector<std::int64_t>{f.id_of("a")});
    CHECK(f.licenses_changed == changes + 1);
    CHECK(f.activity_has("license.unassign", "a"));
    CHECK(f.run("device.show", {{"name", "a"}}).result.at("state").as_string() == "no-license");
    CHECK(f.run("license.unassign", {{"device", "a"}}).code == Code::Invalid);
}

TEST_CASE("device add --license takes that license's seat, or is refused naming license") {
    Fixture f;
    REQUIRE(f.run("license.add", {{"name", "one"}, {"seats", 1}}).code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}, {"license", "one"}}).code ==
            Code::Ok);
    CHECK(f.store->seat_of(f.id_of("a")).license->name == "one");
    CHECK(f.store->find_license("default")->used == 0);
    const auto before = f.store->device_count();
    for (const char* license : {"one", "nope"}) {
        INFO(license);
        auto reply = f.run("device.add", {{"name", "b"}, {"type", "pc"}, {"license", license}});
        CHECK(reply.code == Code::Invalid);
        CHECK(reply.message.rfind("license:", 0) == 0);
    }
    CHECK(f.store->device_count() == before);
}

TEST_CASE("an expired license shows its devices as no-license and takes no new ones") {
    Fixture f;
    REQUIRE(
        f.run("license.add", {{"name", "short"}, {"seats", 5}, {"expires", "2099-01-01T00:00Z"}})
            .code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}, {"license", "short"}}).code ==
            Code::Ok);
    CHECK(f.run("device.list").result.as_array().at(0).at("state").as_string() == "offline");
    f.clock = 4070908800;  // 2099-01-01T00:00:00Z
    auto row = f.run("device.list").result.as_array().at(0);
    CHECK(row.at("state").as_string() == "no-license");
    CHECK(row.at("since").as_string() == "2099-01-01T00:00:00Z");
    CHECK(f.run("license.list").result.as_array().at(1).at("state").as_string() == "expired");
    auto reply = f.run("device.add", {{"name", "b"}, {"type", "pc"}, {"license", "short"}});
    CHECK(reply.message.rfind("license: short has expired", 0) == 0);
}

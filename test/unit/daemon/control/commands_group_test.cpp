// group.* / rule.* / device.edit --group against a real store and CA in a temp dir.
#include <catch2/catch.hpp>

#include "control_fixture.hpp"

using namespace warden;
using namespace warden::control;

namespace {

struct Fixture : test::Fixture {
    std::vector<std::string> changes;  // commands reported through after_write

    Fixture() {
        registry.after_write([this](const std::string& c) {
            changes.push_back(c);
            return std::string();
        });
    }
    std::string last_action() { return store->activity(0, 1).at(0).action; }
};

}  // namespace

TEST_CASE("group add, list and delete, a used group is refused clearly") {
    Fixture f;
    REQUIRE(f.run("group.add", {{"name", "plc"}}).code == Code::Ok);
    CHECK(f.last_action() == "group.add");
    CHECK(f.store->activity(0, 1).at(0).actor == "root");
    auto dup = f.run("group.add", {{"name", "plc"}});
    CHECK(dup.code == Code::Invalid);
    CHECK(dup.message == "name: a group named plc exists");
    CHECK(f.run("group.add", {{"name", "bad name"}}).message.rfind("name: ", 0) == 0);
    CHECK(f.run("group.add", {{"name", std::string(65, 'g')}}).code == Code::Invalid);

    REQUIRE(f.run("device.add", {{"name", "cam"}, {"type", "pc"}, {"group", "plc"}}).code ==
            Code::Ok);
    REQUIRE(f.run("rule.add", {{"from", "default"}, {"to", "plc"}}).code == Code::Ok);
    auto list = f.run("group.list");
    REQUIRE(list.code == Code::Ok);
    REQUIRE(list.result.as_array().size() == 2);
    const auto& plc = list.result.as_array()[1].as_object();
    CHECK(plc.at("name").as_string() == "plc");
    CHECK(plc.at("devices").to_number<std::int64_t>() == 1);
    CHECK(plc.at("rules").to_number<std::int64_t>() == 1);

    auto refused = f.run("group.delete", {{"name", "plc"}});
    CHECK(refused.code == Code::Invalid);
    CHECK(refused.message == "name: group plc still has 1 device(s); move or delete them first");
    REQUIRE(f.run("device.delete", {{"name", "cam"}}).code == Code::Ok);
    refused = f.run("group.delete", {{"name", "plc"}});
    CHECK(refused.message == "name: group plc is used by 1 rule(s); delete them first");
    REQUIRE(f.run("rule.delete", {{"id", 1}}).code == Code::Ok);
    CHECK(f.run("group.delete", {{"name", "plc"}}).code == Code::Ok);
    CHECK(f.last_action() == "group.delete");
    CHECK(f.run("group.delete", {{"name", "plc"}}).code == Code::NotFound);
    CHECK(f.run("group.delete", {{"name", "default"}}).code == Code::Invalid);
}

TEST_CASE("rule add validates every field before storing, list shows canonical rules") {
    Fixture f;
    REQUIRE(f.run("group.add", {{"name", "routers"}}).code == Code::Ok);
    f.changes.clear();  // only what the rule commands below change counts
    struct Bad {
        json::object args;
        const char* message_start;
    };
    const std::vector<Bad> bad = {
        {{{"from", "nope"}, {"to", "routers"}}, "from: unknown group nope"},
        {{{"from", "default"}, {"to", "nope"}}, "to: unknown group nope"},
        {{{"from", "default"}, {"to", "routers"}, {"proto", "sctp"}}, "proto: "},
        {{{"from", "default"}, {"to", "routers"}, {"proto", "icmp"}, {"ports", "80"}},
         "ports: icmp has no ports"},
        {{{"from", "default"}, {"to", "routers"}, {"ports", "80,,443"}}, "ports: "},
        {{{"from", "default"}, {"to", "routers"}, {"ports", "0"}}, "ports: "},
        {{{"from", "default"}, {"to", "routers"}, {"ports", ""}}, "ports: "},
    };
    for (const auto& b : bad) {
        auto r = f.run("rule.add", b.args);
        INFO(json::serialize(b.args));
        CHECK(r.code == Code::Invalid);
        CHECK(r.message.rfind(b.message_start, 0) == 0);
    }
    CHECK(f.store->list_rules().empty());
    CHECK(f.changes.empty());  // nothing changed, nothing to resync
    CHECK(f.run("rule.add", {{"from", "default"}}).code == Code::Usage);
    CHECK(f.run("rule.add", {{"from", "default"}, {"to", "routers"}, {"both", "yes"}}).code ==
          Code::Usage);

    auto added = f.run("rule.add", {{"from", "default"},
                                    {"to", "routers"},
                                    {"both", true},
                                    {"proto", "tcp"},
                                    {"ports", "443,80,1000-2000,1500"}});
    REQUIRE(added.code == Code::Ok);
    CHECK(added.result.at("ports").as_string() == "80,443,1000-2000");
    CHECK(added.result.at("direction").as_string() == "both");
    const auto entry = f.store->activity(0, 1).at(0);
    CHECK(entry.action == "rule.add");
    CHECK(entry.details == "from=default to=routers both=yes proto=tcp ports=80,443,1000-2000");
    CHECK(f.changes == std::vector<std::string>{"rule.add"});

    auto same = f.run("rule.add", {{"from", "default"},
                                   {"to", "routers"},
                                   {"both", true},
                                   {"proto", "tcp"},
                                   {"ports", "80,443,1000-2000"}});
    CHECK(same.code == Code::Invalid);
    CHECK(same.message == "rule: the same rule exists (id 1)");
    REQUIRE(f.run("rule.add", {{"from", "routers"}, {"to", "routers"}}).code == Code::Ok);

    auto list = f.run("rule.list");
    REQUIRE(list.result.as_array().size() == 2);
    const auto& inside = list.result.as_array()[1].as_object();
    CHECK(inside.at("from").as_string() == "routers");
    CHECK(inside.at("to").as_string() == "routers");
    CHECK(inside.at("direction").as_string() == "one-way");
    CHECK(inside.at("proto").as_string() == "any");
    CHECK(inside.at("ports").as_string() == "any");
}

TEST_CASE("rule delete by id, unknown and invalid ids are refused") {
    Fixture f;
    REQUIRE(f.run("rule.add", {{"from", "default"}, {"to", "default"}}).code == Code::Ok);
    CHECK(f.run("rule.delete", {{"id", 0}}).message == "id: must be a positive rule number");
    CHECK(f.run("rule.delete", {{"id", 7}}).code == Code::NotFound);
    CHECK(f.run("rule.delete", {{"id", "1"}}).code == Code::Usage);
    REQUIRE(f.run("rule.delete", {{"id", 1}}).code == Code::Ok);
    CHECK(f.last_action() == "rule.delete");
    CHECK(f.store->activity(0, 1).at(0).details.find("from=default to=default") == 0);
    CHECK(f.run("rule.delete", {{"id", 1}}).code == Code::NotFound);
    CHECK(f.changes == std::vector<std::string>{"rule.add", "rule.delete"});
}

TEST_CASE("device edit moves a device to another group") {
    Fixture f;
    REQUIRE(f.run("group.add", {{"name", "ops"}}).code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "pc1"}, {"type", "pc"}}).code == Code::Ok);
    CHECK(f.run("device.edit", {{"name", "pc1"}, {"group", "nope"}}).message.rfind("group: ", 0) ==
          0);
    CHECK(f.run("device.edit", {{"name", "ghost"}, {"group", "ops"}}).code == Code::NotFound);
    auto moved = f.run("device.edit", {{"name", "pc1"}, {"group", "ops"}});
    REQUIRE(moved.code == Code::Ok);
    CHECK(moved.result.at("group").as_string() == "ops");
    CHECK(f.store->find_device("pc1")->group == "ops");
    CHECK(f.changes.back() == "device.edit");  // the firewall follows
}

TEST_CASE("registry: a command registered twice is refused, reads do not report changes") {
    Fixture f;
    CHECK_THROWS_AS(register_group_commands(f.registry, *f.services), std::logic_error);
    REQUIRE(f.run("group.list").code == Code::Ok);
    REQUIRE(f.run("rule.list").code == Code::Ok);
    CHECK(f.changes.empty());
}

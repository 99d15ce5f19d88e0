// Store contract, groups and rules (SPEC §7): the part of contract_test.cpp for this area,
// in its own file so parallel work on other areas does not collide.
#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::TempDir;

namespace {

Group make_group(const std::string& name) {
    Group g;
    g.name = name;
    g.created_at = 100;
    return g;
}

Rule make_rule(const std::string& from, const std::string& to) {
    Rule r;
    r.from_group = from;
    r.to_group = to;
    r.created_at = 100;
    return r;
}

const Group* find(const std::vector<Group>& groups, const std::string& name) {
    for (const auto& g : groups)
        if (g.name == name) return &g;
    return nullptr;
}

}  // namespace

TEST_CASE("store: groups are added once, listed with their use, and exist") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto initial = store->list_groups();
    REQUIRE(initial.size() == 1);
    CHECK(initial[0].name == "default");

    auto plc = make_group("plc");
    REQUIRE(store->add_group(plc).ok());
    CHECK(plc.id > 0);
    CHECK(store->group_exists("plc"));
    auto again = make_group("plc");
    CHECK(store->add_group(again).status == Status::Duplicate);

    Device d;
    d.name = "cam";
    d.group = "plc";
    d.vpn_ip = 0x0a080002;
    REQUIRE(store->add_device(d).ok());
    auto rule = make_rule("default", "plc");
    REQUIRE(store->add_rule(rule).ok());

    auto groups = store->list_groups();
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].name == "default");  // by name
    REQUIRE(find(groups, "plc"));
    CHECK(find(groups, "plc")->id == plc.id);
    CHECK(find(groups, "plc")->devices == 1);
    CHECK(find(groups, "plc")->rules == 1);
    CHECK(find(groups, "default")->devices == 0);
    CHECK(find(groups, "default")->rules == 1);
}

TEST_CASE("store: a group in use by devices or rules, or the default group, is not deleted") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto g = make_group("ops");
    REQUIRE(store->add_group(g).ok());
    Device d;
    d.name = "laptop";
    d.group = "ops";
    d.vpn_ip = 0x0a080002;
    REQUIRE(store->add_device(d).ok());

    auto refused = store->delete_group("ops");
    CHECK(refused.status == Status::Invalid);
    CHECK(refused.message.find("1 device") != std::string::npos);

    REQUIRE(store->delete_device("laptop", 5).ok());
    auto r = make_rule("ops", "ops");
    REQUIRE(store->add_rule(r).ok());
    refused = store->delete_group("ops");
    CHECK(refused.status == Status::Invalid);
    CHECK(refused.message.find("1 rule") != std::string::npos);

    REQUIRE(store->delete_rule(r.id).ok());
    CHECK(store->delete_group("ops").ok());
    CHECK_FALSE(store->group_exists("ops"));
    CHECK(store->delete_group("ops").status == Status::NotFound);
    CHECK(store->delete_group("default").status == Status::Invalid);
    CHECK(store->group_exists("default"));
}

TEST_CASE("store: rules are added between existing groups, listed in order, deleted once") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto g = make_group("routers");
    REQUIRE(store->add_group(g).ok());

    auto web = make_rule("default", "routers");
    web.both = true;
    web.proto = "tcp";
    web.ports = "80,443,1000-2000";
    web.created_at = 7;
    REQUIRE(store->add_rule(web).ok());
    auto inside = make_rule("routers", "routers");
    REQUIRE(store->add_rule(inside).ok());
    CHECK(inside.id > web.id);

    auto unknown = make_rule("default", "nope");
    auto out = store->add_rule(unknown);
    CHECK(out.status == Status::NotFound);
    CHECK(out.message.rfind("to:", 0) == 0);
    unknown = make_rule("nope", "default");
    CHECK(store->add_rule(unknown).message.rfind("from:", 0) == 0);

    auto rules = store->list_rules();
    REQUIRE(rules.size() == 2);
    CHECK(rules[0].id == web.id);
    CHECK(rules[0].from_group == "default");
    CHECK(rules[0].to_group == "routers");
    CHECK(rules[0].both);
    CHECK(rules[0].proto == "tcp");
    CHECK(rules[0].ports == "80,443,1000-2000");
    CHECK(rules[0].created_at == 7);
    CHECK(rules[1].from_group == "routers");
    CHECK_FALSE(rules[1].both);
    CHECK(rules[1].proto.empty());

    CHECK(store->delete_rule(web.id).ok());
    CHECK(store->delete_rule(web.id).status == Status::NotFound);
    CHECK(store->list_rules().size() == 1);
}

TEST_CASE("store: a rule's groups cannot disappear under it (foreign keys)") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto g = make_group("x");
    REQUIRE(store->add_group(g).ok());
    auto r = make_rule("x", "default");
    REQUIRE(store->add_rule(r).ok());
    // Even inside a transaction the refusal is a return value and nothing changes.
    store->transaction([&] { CHECK_FALSE(store->delete_group("x").ok()); });
    CHECK(store->list_rules().size() == 1);
    CHECK(store->group_exists("x"));
}

TEST_CASE("store: the rules of a group, and routed networks carry their group") {
    TempDir dir;
    auto store = open_fresh(dir);
    for (const char* name : {"a", "b", "c"}) {
        auto g = make_group(name);
        REQUIRE(store->add_group(g).ok());
    }
    auto ab = make_rule("a", "b");
    auto ca = make_rule("c", "a");
    auto bc = make_rule("b", "c");
    for (auto* r : {&ab, &ca, &bc}) REQUIRE(store->add_rule(*r).ok());
    auto of_a = store->rules_of_group("a");
    REQUIRE(of_a.size() == 2);
    CHECK(of_a[0].id == ab.id);
    CHECK(of_a[1].id == ca.id);
    CHECK(of_a[1].from_group == "c");
    CHECK(store->rules_of_group("default").empty());
    CHECK(store->rules_of_group("nope").empty());

    Device router;
    router.name = "r";
    router.type = DeviceType::Router;
    router.group = "b";
    router.vpn_ip = 0x0a080002;
    router.network = "192.168.7.0/24";
    REQUIRE(store->add_device(router).ok());
    auto rows = store->routed_networks();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].group == "b");
}

TEST_CASE("store: group members are every device's addresses and group, by VPN IP") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto g = make_group("plant");
    REQUIRE(store->add_group(g).ok());
    Device r;
    r.name = "r1";
    r.type = DeviceType::Router;
    r.group = "plant";
    r.vpn_ip = 0x0a080009;
    r.network = "192.168.5.0/24";
    REQUIRE(store->add_device(r).ok());
    Device pc;
    pc.name = "pc";
    pc.vpn_ip = 0x0a080003;
    REQUIRE(store->add_device(pc).ok());
    auto members = store->group_members();
    REQUIRE(members.size() == 2);
    CHECK(members[0].device == "pc");
    CHECK(members[0].group == "default");
    CHECK(members[0].vpn_ip == 0x0a080003);
    CHECK(members[0].network.empty());
    CHECK(members[1].device == "r1");
    CHECK(members[1].group == "plant");
    CHECK(members[1].network == "192.168.5.0/24");
}

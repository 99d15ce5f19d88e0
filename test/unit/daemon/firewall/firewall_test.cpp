// Firewall: the store-to-kernel sync, against a real store and a recording applier.
#include <catch2/catch.hpp>

#include "daemon/firewall/firewall.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::firewall;

namespace {

struct RecordingApplier : Applier {
    std::vector<std::string> scripts;
    std::string fail_with;
    std::string apply(const std::string& script) override {
        scripts.push_back(script);
        return fail_with;
    }
};

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store =
        std::move(store::open_sqlite((dir.path / "warden.db").string()).store);
    RecordingApplier applier;
    Firewall firewall{"wt", *net::parse_network("10.8.0.0/24"), *store, applier};

    void add_device(const std::string& name, std::uint32_t ip, const std::string& group) {
        store::Device d;
        d.name = name;
        d.vpn_ip = ip;
        d.group = group;
        REQUIRE(store->add_device(d).ok());
    }
    std::int64_t add_rule(const std::string& from, const std::string& to) {
        store::Rule r;
        r.from_group = from;
        r.to_group = to;
        REQUIRE(store->add_rule(r).ok());
        return r.id;
    }
};

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("firewall sync: full on start, nothing when unchanged, delta for rules") {
    Fixture f;
    store::Group ops{0, "ops"};
    REQUIRE(f.store->add_group(ops).ok());
    f.add_device("laptop", 0x0a080002, "ops");

    auto first = f.firewall.refresh();
    CHECK(first.ok());
    CHECK(first.mode == RefreshResult::Mode::Full);
    REQUIRE(f.applier.scripts.size() == 1);
    CHECK(starts_with(f.applier.scripts[0], "add table inet wt\ndelete table inet wt\n"));
    CHECK(f.applier.scripts[0].find("10.8.0.2 : jump g_" + std::to_string(ops.id)) !=
          std::string::npos);

    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Unchanged);
    CHECK(f.applier.scripts.size() == 1);  // nothing sent to the kernel

    const auto id = f.add_rule("ops", "ops");
    auto delta = f.firewall.refresh();
    CHECK(delta.mode == RefreshResult::Mode::Delta);
    REQUIRE(f.applier.scripts.size() == 2);
    const std::string set = "allow_" + std::to_string(ops.id);
    CHECK(f.applier.scripts[1] ==
          "add element inet wt " + set + " { " + std::to_string(ops.id) + " . 0-255 . 0-65535 }\n");

    REQUIRE(f.store->delete_rule(id).ok());
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Delta);
    CHECK(starts_with(f.applier.scripts[2], "delete element inet wt " + set));

    f.add_device("cam", 0x0a080003, "default");
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Delta);
    CHECK(f.applier.scripts.back() == "add element inet wt addr_ip { 10.8.0.3 : jump g_1 }\n");

    store::Group lab{0, "lab"};
    REQUIRE(f.store->add_group(lab).ok());  // a new chain and set: the whole table
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Full);
}

TEST_CASE("firewall sync: a rule-only refresh reads the rules and matches a full read") {
    Fixture f;
    store::Group ops{0, "ops"};
    REQUIRE(f.store->add_group(ops).ok());
    f.add_device("laptop", 0x0a080002, "ops");
    // Before anything was applied, a rule-only refresh still reads everything.
    CHECK(f.firewall.refresh(Firewall::Scope::Rules).mode == RefreshResult::Mode::Full);
    f.add_rule("default", "ops");
    CHECK(f.firewall.refresh(Firewall::Scope::Rules).mode == RefreshResult::Mode::Delta);
    // A full read now finds nothing new: the rule-only path built the same table.
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Unchanged);
}

TEST_CASE("firewall sync: a refused script is reported and the next refresh is full") {
    Fixture f;
    REQUIRE(f.firewall.refresh().ok());
    f.add_rule("default", "default");
    f.applier.fail_with = "Error: Could not process rule: Operation not permitted";
    auto failed = f.firewall.refresh();
    CHECK_FALSE(failed.ok());
    CHECK(failed.error == f.applier.fail_with);
    CHECK(failed.mode == RefreshResult::Mode::Delta);

    f.applier.fail_with.clear();
    auto retried = f.firewall.refresh();
    CHECK(retried.ok());
    CHECK(retried.mode == RefreshResult::Mode::Full);  // kernel state unknown: replace it all

    CHECK(f.firewall.remove().empty());
    CHECK(f.applier.scripts.back() == "add table inet wt\ndelete table inet wt\n");
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Full);
}

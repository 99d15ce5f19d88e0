// Firewall: the store-to-kernel sync, against a real store and a recording applier.
#include <catch2/catch.hpp>

#include "daemon/firewall/firewall.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::firewall;

namespace {

// Records scripts; "the kernel's table" is present from a successful full script until
// `flush()` (an external `nft flush ruleset`) or a removal.
struct RecordingApplier : Applier {
    std::vector<std::string> scripts;
    std::string fail_with;
    bool present = false;
    std::size_t fingerprints = 0;
    std::string apply(const std::string& script) override {
        scripts.push_back(script);
        if (!fail_with.empty()) return fail_with;
        if (script.find("\ntable inet ") != std::string::npos)
            present = true;
        else if (script.rfind("add table", 0) == 0)
            present = false;  // render_remove
        return {};
    }
    std::optional<std::string> fingerprint(const std::string& table) override {
        ++fingerprints;
        if (!present) return std::nullopt;
        return "table inet " + table + " { chain forward { " + forward_rules + " } }";
    }
    std::optional<std::string> chain_list() override {
        if (!present) return std::nullopt;
        return "table inet wt { chain forward } " + other_tables;
    }
    void flush() { present = false; }
    std::string forward_rules = "...";  // `nft flush chain` empties them
    std::string other_tables;           // chains of other tables, e.g. Docker's
};

// Live flows as conntrack would list them; cut() deletes what the judge rejects.
struct FakeConntrack : FlowCutter {
    std::vector<Flow> flows;
    std::size_t sweeps = 0;
    CutResult cut(const std::function<bool(const Flow&)>& keep) override {
        ++sweeps;
        CutResult r;
        r.seen = flows.size();
        std::erase_if(flows, [&](const Flow& f) { return !keep(f) && ++r.cut; });
        return r;
    }
};

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store =
        std::move(store::open_sqlite((dir.path / "warden.db").string()).store);
    RecordingApplier applier;
    FakeConntrack conntrack;
    Firewall firewall{"wt",        *net::parse_network("10.8.0.0/24"), *store, applier, &conntrack,
                      {0x0a080001}};

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
    // ops is the second group (after default): its mark is 2 << 16.
    CHECK(f.applier.scripts[1] ==
          "add element inet wt " + set + " { 0x00020000 . 0-255 . 0-65535 }\n");

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

namespace {

Flow ping(std::uint32_t src, std::uint32_t dst) {
    return {src, dst, 1 /* ICMP */, 0};
}

}  // namespace

TEST_CASE("firewall sync: after a change, the live flows it no longer allows are cut") {
    Fixture f;
    f.add_device("a", 0x0a080002, "default");
    f.add_device("b", 0x0a080003, "default");
    const auto id = f.add_rule("default", "default");
    REQUIRE(f.firewall.refresh().ok());
    f.conntrack.flows = {ping(0x0a080002, 0x0a080003), ping(0x0a080003, 0x0a080002),
                         ping(0x0a080002, 0x0a080001),   // to the server itself
                         ping(0x0a080002, 0x08080808)};  // to the internet: not ours
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Unchanged);
    CHECK(f.conntrack.flows.size() == 4);  // nothing changed, nothing judged

    REQUIRE(f.store->delete_rule(id).ok());
    CHECK(f.firewall.refresh(Firewall::Scope::Rules).mode == RefreshResult::Mode::Delta);
    REQUIRE(f.conntrack.flows.size() == 2);
    CHECK(f.conntrack.flows[0].dst == 0x0a080001);
    CHECK(f.conntrack.flows[1].dst == 0x08080808);
    CHECK(f.firewall.health().flows_cut == 2);
}

TEST_CASE("firewall sync: a table flushed by someone else is found and reloaded whole") {
    Fixture f;
    REQUIRE(f.firewall.refresh().ok());
    CHECK_FALSE(f.firewall.check());  // present and as applied: nothing to do
    const auto applied = f.applier.scripts.size();

    f.applier.flush();
    // The old code's path: "nothing changed" in the store, so nothing was sent.
    auto repaired = f.firewall.check();
    REQUIRE(repaired);
    CHECK(repaired->ok());
    CHECK(repaired->mode == RefreshResult::Mode::Full);
    CHECK(f.applier.scripts.size() == applied + 1);
    CHECK(f.applier.present);
    CHECK(f.firewall.health().state == Health::State::Ok);
    CHECK(f.firewall.health().repairs == 1);
    CHECK_FALSE(f.firewall.check());
}

TEST_CASE("firewall sync: a failed refresh makes the firewall failing until a retry works") {
    Fixture f;
    REQUIRE(f.firewall.refresh().ok());
    CHECK(f.firewall.health().state == Health::State::Ok);
    CHECK(f.firewall.health().last_apply > 0);
    f.add_rule("default", "default");
    f.applier.fail_with = "Error: Could not process rule: No buffer space available";
    CHECK_FALSE(f.firewall.refresh().ok());
    CHECK(f.firewall.health().state == Health::State::Failing);
    CHECK(f.firewall.health().last_error == f.applier.fail_with);
    auto still = f.firewall.check();  // the timer retries, the kernel still refuses
    REQUIRE(still);
    CHECK_FALSE(still->ok());
    CHECK(f.firewall.health().state == Health::State::Failing);

    f.applier.fail_with.clear();
    auto retried = f.firewall.check();
    REQUIRE(retried);
    CHECK(retried->ok());
    CHECK(retried->mode == RefreshResult::Mode::Full);
    CHECK(f.firewall.health().state == Health::State::Ok);
    // The metrics' counters: four applies (ok, refused twice, ok), two refused.
    CHECK(f.firewall.health().applies == 4);
    CHECK(f.firewall.health().apply_failures == 2);
    CHECK(f.firewall.health().apply_seconds > 0);
}

TEST_CASE("firewall sync: a table that cannot be reloaded stays 'repairing' until it is") {
    Fixture f;
    REQUIRE(f.firewall.refresh().ok());
    f.applier.flush();
    f.applier.fail_with = "Error: Operation not permitted";
    auto first = f.firewall.check();
    REQUIRE(first);
    CHECK_FALSE(first->ok());
    CHECK(f.firewall.health().state == Health::State::Repairing);
    CHECK(std::string(state_name(f.firewall.health().state)) == "repairing");
    f.applier.fail_with.clear();
    REQUIRE(f.firewall.check());
    CHECK(f.firewall.health().state == Health::State::Ok);
    CHECK(f.applier.present);
}

TEST_CASE(
    "firewall sync: the forward chain is compared when the chain list changes, and "
    "every kFullCheckEvery checks") {
    Fixture f;
    REQUIRE(f.firewall.refresh().ok());
    const auto looks = f.applier.fingerprints;
    CHECK_FALSE(f.firewall.check());
    CHECK(f.applier.fingerprints == looks);  // the cheap look was enough

    f.applier.other_tables = "table ip docker { chain DOCKER }";  // not ours: no repair
    CHECK_FALSE(f.firewall.check());
    CHECK(f.applier.fingerprints == looks + 1);
    CHECK_FALSE(f.firewall.check());
    CHECK(f.applier.fingerprints == looks + 1);

    // `nft flush chain inet wt forward`: the chain list is the same, the rules are gone.
    f.applier.forward_rules = "";
    std::optional<RefreshResult> repaired;
    std::size_t calls = 0;
    while (!repaired && calls < kFullCheckEvery) {
        repaired = f.firewall.check();
        ++calls;
    }
    REQUIRE(repaired);
    CHECK(repaired->mode == RefreshResult::Mode::Full);
    CHECK(f.firewall.health().repairs == 1);
}

TEST_CASE(
    "firewall sync: a change that only adds allowances sweeps no flows; one that narrows does") {
    Fixture f;
    f.add_device("a", 0x0a080002, "default");
    f.add_device("b", 0x0a080003, "default");
    REQUIRE(f.firewall.refresh().ok());
    const auto after_start = f.conntrack.sweeps;
    CHECK(after_start == 1);  // the first table: every flow is judged once
    const auto id = f.add_rule("default", "default");
    CHECK(f.firewall.refresh(Firewall::Scope::Rules).mode == RefreshResult::Mode::Delta);
    CHECK(f.conntrack.sweeps == after_start);  // more allowed: nothing to cut, no dump
    REQUIRE(f.store->delete_rule(id).ok());
    CHECK(f.firewall.refresh(Firewall::Scope::Rules).mode == RefreshResult::Mode::Delta);
    CHECK(f.conntrack.sweeps == after_start + 1);
    f.add_device("c", 0x0a080004, "default");  // a new participant: its flows are judged
    CHECK(f.firewall.refresh().mode == RefreshResult::Mode::Delta);
    CHECK(f.conntrack.sweeps == after_start + 2);
}

namespace {

// An applier with nf_tables' generation id: every apply and every stranger's commit moves it.
struct GenerationApplier : RecordingApplier {
    std::uint32_t gen = 1;
    std::string apply(const std::string& script) override {
        ++gen;
        return RecordingApplier::apply(script);
    }
    std::optional<std::uint32_t> generation() override { return gen; }
};

}  // namespace

TEST_CASE("firewall check: an unchanged generation id costs no listing, a changed one compares") {
    testing::TempDir dir;
    auto store = std::move(store::open_sqlite((dir.path / "warden.db").string()).store);
    GenerationApplier applier;
    Firewall firewall{"wt", *net::parse_network("10.8.0.0/24"), *store, applier};
    REQUIRE(firewall.refresh().ok());
    const auto looks = applier.fingerprints;
    for (int i = 0; i < 2 * static_cast<int>(kFullCheckEvery); ++i) CHECK_FALSE(firewall.check());
    CHECK(applier.fingerprints == looks);  // no listing while nothing was committed

    ++applier.gen;  // another table changed: one comparison, still ours, nothing to do
    CHECK_FALSE(firewall.check());
    CHECK(applier.fingerprints == looks + 1);
    CHECK_FALSE(firewall.check());
    CHECK(applier.fingerprints == looks + 1);

    applier.forward_rules = "";  // `nft flush chain inet wt forward`: a commit, then found
    ++applier.gen;
    auto repaired = firewall.check();
    REQUIRE(repaired);
    CHECK(repaired->mode == RefreshResult::Mode::Full);
}

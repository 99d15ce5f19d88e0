// The libnftnl batch (netlink.hpp) builds the same table as the nftables text: both are
// loaded into a private network namespace (root only) and `nft list` must show the same
// table, after a full load and after deltas; the allow-element reader is checked alone.
#include <catch2/catch.hpp>

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "daemon/firewall/applier.hpp"
#include "daemon/firewall/netlink.hpp"
#include "daemon/firewall/script.hpp"
#include "rule_rows.hpp"

using namespace warden;
using namespace warden::firewall;

namespace {

bool enter_private_netns() {
    return ::geteuid() == 0 && ::unshare(CLONE_NEWNET) == 0;
}

using testing::rule;

// Adjacent router networks, a pool that is not byte aligned, every kind of rule.
FirewallInput site() {
    FirewallInput in;
    in.pool = *net::parse_network("10.8.16.0/20");
    in.groups = {{1, "default"}, {2, "pcs"}, {3, "routers"}, {7, "empty"}};
    in.devices = {{"laptop", "pcs", *net::parse_ipv4("10.8.16.2"), ""},
                  {"r1", "routers", *net::parse_ipv4("10.8.16.3"), "192.168.10.0/24"},
                  {"r2", "routers", *net::parse_ipv4("10.8.16.5"), "192.168.11.0/24"},
                  {"r3", "default", *net::parse_ipv4("10.8.16.6"), "172.16.0.0/16"},
                  {"cam", "default", *net::parse_ipv4("10.8.16.4"), ""}};
    in.rules = {rule(1, "pcs", "routers", "tcp", "443,80", true), rule(2, "routers", "routers"),
                rule(3, "default", "pcs", "icmp"), rule(4, "pcs", "default", "udp", "53")};
    return in;
}

// The table as nft lists it, under one name so two tables compare.
std::string listed(NftApplier& nft, const std::string& table) {
    auto r = nft.run("list table inet " + table);
    REQUIRE(r.ok);
    std::string text = r.output;
    for (auto at = text.find(table); at != std::string::npos; at = text.find(table, at))
        text.replace(at, table.size(), "T");
    // Sets, maps and chains in name order: a chain added by a delta lists after `forward`.
    std::vector<std::string> blocks;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.size() > 1 && line[0] == '\t' && line[1] != '\t' && line != "\t}")
            blocks.emplace_back();
        if (!blocks.empty() && !line.empty() && line != "}") blocks.back() += line + "\n";
    }
    std::sort(blocks.begin(), blocks.end());
    std::string out;
    for (const auto& b : blocks) out += b;
    return out;
}

}  // namespace

TEST_CASE("netlink: allow elements read back as rendered") {
    auto tcp = parse_allow_element("0x00010000 . tcp . 80-443");
    REQUIRE(tcp);
    CHECK(tcp->mark == 0x00010000);
    CHECK((tcp->proto_first == 6 && tcp->proto_last == 6));
    CHECK((tcp->port_first == 80 && tcp->port_last == 443));
    auto any = parse_allow_element("0x0fff0000 . 0-255 . 0-65535");
    REQUIRE(any);
    CHECK((any->proto_first == 0 && any->proto_last == 255 && any->port_last == 65535));
    CHECK(parse_allow_element("0x00020000 . icmp . 0-65535")->proto_first == 1);
    for (const char* bad :
         {"", "0x1 . tcp", "1 . tcp . 80", "0x1 . sctp . 80", "0x1 . tcp . 443-80",
          "0x1 . 0-256 . 80", "0x1 . tcp . 70000", "0xg . tcp . 1", "0x . tcp . 1"})
        CHECK_FALSE(parse_allow_element(bad));
}

TEST_CASE("netlink: an empty delta is an empty batch, a group before others needs the full load") {
    const auto rs = build_ruleset(site(), "w");
    REQUIRE(netlink_delta(rs, rs, 1));
    CHECK(netlink_delta(rs, rs, 1)->empty());
    auto grown = site();
    grown.groups.push_back({9, "last"});  // after every group: the marks stay, a delta
    REQUIRE(netlink_delta(rs, build_ruleset(grown, "w"), 1));
    CHECK_FALSE(netlink_delta(rs, build_ruleset(grown, "w"), 1)->empty());
    auto between = site();
    between.groups.push_back({5, "between"});  // shifts the marks of group 7
    CHECK_FALSE(netlink_delta(rs, build_ruleset(between, "w"), 1));
    auto fewer = site();
    fewer.groups.pop_back();
    CHECK_FALSE(netlink_delta(rs, build_ruleset(fewer, "w"), 1));
    CHECK(netlink_full(rs, 1).size() > 1000);
}

TEST_CASE("netlink: the batch and the text make the same table, full and delta (root)") {
    if (!enter_private_netns()) {
        WARN("not root (or no network namespaces): kernel check skipped");
        return;
    }
    NftApplier nft;
    auto apply_both = [&](const FirewallInput& in, const FirewallInput* before) {
        const auto text = build_ruleset(in, "tx");
        const auto batch = build_ruleset(in, "nl");
        if (before) {
            const auto script = render_delta(build_ruleset(*before, "tx"), text);
            REQUIRE(nft.apply(script ? *script : render_full(text)) == "");
            REQUIRE(nft.apply_delta(build_ruleset(*before, "nl"), batch) == std::string());
        } else {
            REQUIRE(nft.apply(render_full(text)) == "");
            REQUIRE(nft.apply_full(batch) == "");
        }
        CHECK(listed(nft, "nl") == listed(nft, "tx"));
    };
    const auto first = site();
    apply_both(first, nullptr);
    apply_both(first, nullptr);  // replacing an existing table works

    auto rules = first;  // allow elements and VPN IPs change: the netlink delta
    rules.rules.erase(rules.rules.begin());
    rules.rules.push_back(rule(5, "routers", "pcs", "tcp", "22,8000-8080"));
    rules.devices[4].group = "pcs";
    rules.devices.push_back({"phone", "empty", *net::parse_ipv4("10.8.16.9"), ""});
    apply_both(rules, &first);
    CHECK(nft.run("list map inet nl addr_ip").output.find("10.8.16.4 : jump g_2") !=
          std::string::npos);

    auto moved = rules;  // a network changes: libnftables' text delta on the batch's table
    moved.devices[1].network = "192.168.20.0/24";
    apply_both(moved, &rules);
    CHECK(nft.run("list map inet nl addr_net").output.find("192.168.20.0/24 : jump g_3") !=
          std::string::npos);

    auto grown = moved;  // a new group, with a device and rules both ways: still a delta
    grown.groups.push_back({9, "late"});
    grown.devices.push_back({"tablet", "late", *net::parse_ipv4("10.8.16.10"), ""});
    grown.rules.push_back(rule(7, "late", "pcs", "tcp", "8443", true));
    apply_both(grown, &moved);
    CHECK(nft.run("list chain inet nl g_9").output.find("meta mark | 0x00050000") !=
          std::string::npos);

    // A refused delta: a stranger's element overlaps what the change adds.
    const auto now = build_ruleset(grown, "nl");
    REQUIRE(nft.run("add element inet nl allow_3 { 0x00020000 . tcp . 8000-9000 }").ok);
    auto refused = grown;
    refused.rules.push_back(rule(6, "pcs", "routers", "tcp", "8443"));
    const auto error = nft.apply_delta(now, build_ruleset(refused, "nl"));
    REQUIRE(error);
    CHECK(error->rfind("Error: Could not process rule: ", 0) == 0);
}

TEST_CASE("netlink: the generation id moves with every commit, and only then (root)") {
    if (!enter_private_netns()) {
        WARN("not root (or no network namespaces): kernel check skipped");
        return;
    }
    NftApplier nft;
    const auto before = nft.generation();
    REQUIRE(before);
    CHECK(nft.generation() == before);
    REQUIRE(nft.apply_full(build_ruleset(site(), "g")) == "");
    const auto after = nft.generation();
    REQUIRE(after);
    CHECK(after != before);
    CHECK(nft.generation() == after);
    REQUIRE(nft.run("add table inet stranger").ok);
    CHECK(nft.generation() != after);
}

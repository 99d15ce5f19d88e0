// The pure builder: store state in, nftables script text out (golden strings), and the
// kernel's own check of that text when the test runs as root.
#include <catch2/catch.hpp>

#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "daemon/firewall/applier.hpp"
#include "daemon/firewall/script.hpp"
#include "rule_rows.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::firewall;

namespace {

store::GroupMember device(const std::string& name, const std::string& group, const char* ip,
                          const std::string& network = {}) {
    return {name, group, *net::parse_ipv4(ip), network};
}

using testing::rule;

// default(1): cam; pcs(2): laptop; routers(3): r1 with a LAN.
FirewallInput small_site() {
    FirewallInput in;
    in.pool = *net::parse_network("10.8.0.0/24");
    in.groups = {{1, "default"}, {2, "pcs"}, {3, "routers"}};
    in.devices = {device("laptop", "pcs", "10.8.0.2"),
                  device("r1", "routers", "10.8.0.3", "192.168.10.0/24"),
                  device("cam", "default", "10.8.0.4")};
    in.rules = {rule(1, "pcs", "routers", "tcp", "443,80", true), rule(2, "routers", "routers"),
                rule(3, "default", "pcs", "icmp")};
    return in;
}

const char* const kSmallSite = R"(add table inet warden
delete table inet warden
table inet warden {
	map addr_ip {
		type ipv4_addr : verdict
		elements = { 10.8.0.2 : jump g_2, 10.8.0.3 : jump g_3, 10.8.0.4 : jump g_1 }
	}
	map addr_net {
		type ipv4_addr : verdict
		flags interval
		elements = { 192.168.10.0/24 : jump g_3 }
	}
	set allow_1 {
		type mark . inet_proto . inet_service
		flags interval
	}
	chain g_1 {
		meta mark & 0x0fff0000 == 0 meta mark set meta mark | 0x00010000 return
		meta mark & 0x0fff0000 . meta l4proto . th dport @allow_1 accept
	}
	set allow_2 {
		type mark . inet_proto . inet_service
		flags interval
		elements = { 0x00010000 . icmp . 0-65535, 0x00030000 . tcp . 443-443, 0x00030000 . tcp . 80-80 }
	}
	chain g_2 {
		meta mark & 0x0fff0000 == 0 meta mark set meta mark | 0x00020000 return
		meta mark & 0x0fff0000 . meta l4proto . th dport @allow_2 accept
	}
	set allow_3 {
		type mark . inet_proto . inet_service
		flags interval
		elements = { 0x00020000 . tcp . 443-443, 0x00020000 . tcp . 80-80, 0x00030000 . 0-255 . 0-65535 }
	}
	chain g_3 {
		meta mark & 0x0fff0000 == 0 meta mark set meta mark | 0x00030000 return
		meta mark & 0x0fff0000 . meta l4proto . th dport @allow_3 accept
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		meta nfproto != ipv4 return
		ct state established,related accept
		ip saddr != 10.8.0.0/24 ip saddr != @addr_ip ip saddr != @addr_net return
		ip daddr != 10.8.0.0/24 ip daddr != @addr_ip ip daddr != @addr_net return
		meta mark set meta mark & 0xf000ffff
		ip saddr vmap @addr_ip
		ip saddr vmap @addr_net
		meta mark & 0x0fff0000 == 0 counter drop
		ip daddr vmap @addr_ip
		ip daddr vmap @addr_net
		counter drop
	}
}
)";

// Runs the rest of the test in a fresh network namespace (root only), so nothing the
// test applies touches the host's tables.
bool enter_private_netns() {
    return ::geteuid() == 0 && ::unshare(CLONE_NEWNET) == 0;
}

}  // namespace

TEST_CASE("firewall: a small site renders to the expected table") {
    auto rs = build_ruleset(small_site(), "warden");
    CHECK(rs.skipped.empty());
    CHECK(render_full(rs) == kSmallSite);
    CHECK(rule_count(rs) == 17);
}

TEST_CASE("firewall: rules between the same groups merge into disjoint elements") {
    FirewallInput in = small_site();
    in.rules = {rule(1, "pcs", "routers", "tcp", "80-443"),
                rule(2, "pcs", "routers", "tcp", "400-500"),
                rule(3, "pcs", "routers", "", "53"),  // no protocol: TCP and UDP
                rule(4, "default", "routers", "icmp"),
                rule(5, "default", "routers", "udp"),
                rule(6, "default", "routers")};  // any protocol subsumes the others
    auto rs = build_ruleset(in, "warden");
    CHECK(rs.allowed.at(3) ==
          std::set<std::string>{"0x00010000 . 0-255 . 0-65535", "0x00020000 . tcp . 53-53",
                                "0x00020000 . tcp . 80-500", "0x00020000 . udp . 53-53"});
    CHECK(rs.allowed.at(1).empty());
    CHECK(rs.allowed.at(2).empty());  // one-way: nothing back to the pcs
}

TEST_CASE("firewall: a rule within one group, and both ways, allow exactly those directions") {
    FirewallInput in = small_site();
    in.rules = {rule(1, "pcs", "pcs", "udp", "5000"), rule(2, "default", "routers", {}, {}, true)};
    auto rs = build_ruleset(in, "warden");
    CHECK(rs.allowed.at(2) == std::set<std::string>{"0x00020000 . udp . 5000-5000"});
    CHECK(rs.allowed.at(3) == std::set<std::string>{"0x00010000 . 0-255 . 0-65535"});
    CHECK(rs.allowed.at(1) == std::set<std::string>{"0x00030000 . 0-255 . 0-65535"});
}

TEST_CASE("firewall: overlapping or unknown input is skipped with a note, never rendered") {
    FirewallInput in = small_site();
    in.devices.push_back(device("r2", "routers", "10.8.0.5", "192.168.10.128/25"));
    in.devices.push_back(device("ghost", "nope", "10.8.0.6"));
    in.devices.push_back(device("outside", "pcs", "10.9.0.7"));  // VPN IP outside the pool
    in.rules.push_back(rule(9, "pcs", "gone"));
    auto rs = build_ruleset(in, "warden");
    REQUIRE(rs.skipped.size() == 3);
    CHECK(rs.skipped[0] == "device ghost: unknown group nope");
    CHECK(rs.skipped[1] == "device r2: 192.168.10.128/25 overlaps 192.168.10.0/24 of r1");
    CHECK(rs.skipped[2] == "rule 9: unknown group");
    CHECK(rs.members.size() == 6);  // r2's VPN IP stays, its network does not
    CHECK(rs.members[4] ==
          std::pair<std::string, std::int64_t>{"10.9.0.7", 2});  // outside the pool
}

TEST_CASE("firewall: rule and device changes are element deltas, new groups a full rebuild") {
    const auto before = build_ruleset(small_site(), "warden");
    CHECK(render_delta(before, before) == std::string());

    FirewallInput changed = small_site();
    changed.rules.erase(changed.rules.begin());  // pcs <-> routers web rule gone
    changed.rules.push_back(rule(4, "pcs", "default", "tcp", "22"));
    const auto after = build_ruleset(changed, "warden");
    CHECK(render_delta(before, after) ==
          "delete element inet warden allow_2 { 0x00030000 . tcp . 443-443, 0x00030000 . tcp . "
          "80-80 }\n"
          "delete element inet warden allow_3 { 0x00020000 . tcp . 443-443, 0x00020000 . tcp . "
          "80-80 }\n"
          "add element inet warden allow_1 { 0x00020000 . tcp . 22-22 }\n");
    // Only the touched destination groups are recomputed, to the same result.
    auto partial = before;
    rebuild_allowed(partial, changed,
                    touched_groups(small_site().rules, changed.rules, changed.groups));
    CHECK(touched_groups(small_site().rules, changed.rules, changed.groups) ==
          std::set<std::int64_t>{1, 2, 3});
    CHECK(partial.allowed == after.allowed);

    FirewallInput moved = small_site();
    moved.devices[0].group = "default";            // laptop moves
    moved.devices[1].network = "192.168.20.0/24";  // r1's network changes
    moved.devices.push_back(device("new", "pcs", "10.8.0.9"));
    CHECK(render_delta(before, build_ruleset(moved, "warden")) ==
          "delete element inet warden addr_ip { 10.8.0.2 }\n"
          "delete element inet warden addr_net { 192.168.10.0/24 }\n"
          "add element inet warden addr_ip { 10.8.0.2 : jump g_1, 10.8.0.9 : jump g_2 }\n"
          "add element inet warden addr_net { 192.168.20.0/24 : jump g_3 }\n");

    FirewallInput grown = small_site();
    grown.groups.push_back({4, "new"});
    CHECK_FALSE(render_delta(before, build_ruleset(grown, "warden")));
    CHECK_FALSE(render_delta(before, build_ruleset(small_site(), "other")));
}

TEST_CASE("firewall: IPv6 and non-participant traffic leave the chain before any drop or mark") {
    const std::string text = render_full(build_ruleset(small_site(), "warden"));
    const auto forward = text.substr(text.find("chain forward"));
    const auto v6_out = forward.find("meta nfproto != ipv4 return");
    REQUIRE(v6_out != std::string::npos);
    // Before the first drop and the first mark change: "ip saddr" matches only IPv4, so an
    // IPv6 packet that got that far would fall through to the final drop.
    CHECK(v6_out < forward.find("drop"));
    CHECK(v6_out < forward.find("meta mark set"));
    CHECK(forward.find("return", forward.find("ip daddr != 10.8.0.0/24")) <
          forward.find("meta mark set"));
}

TEST_CASE("firewall: the mark is changed only in the bits the table owns") {
    const std::string text = render_full(build_ruleset(small_site(), "warden"));
    std::size_t sets = 0;
    for (auto at = text.find("meta mark set "); at != std::string::npos;
         at = text.find("meta mark set ", at + 1), ++sets) {
        // Every write keeps the other bits: "meta mark & ~MASK" or "meta mark | OURS".
        const auto value = text.substr(at + 14, text.find('\n', at) - at - 14);
        const bool masked =
            value.rfind("meta mark & 0xf000ffff", 0) == 0 || value.rfind("meta mark | 0x", 0) == 0;
        INFO(value);
        CHECK(masked);
    }
    CHECK(sets == 4);  // the clear in forward, one per group chain
    CHECK(text.find("meta mark 0") == std::string::npos);  // reads are masked too
    CHECK(text.find("meta mark . ") == std::string::npos);
}

TEST_CASE("firewall: a group's mark is its rank among the ids, in bits 16-27") {
    FirewallInput in = small_site();
    in.groups = {{9, "default"}, {5, "pcs"}, {70000, "routers"}};
    const auto rs = build_ruleset(in, "warden");
    CHECK(rs.mark_of(5) == 0x00010000);
    CHECK(rs.mark_of(9) == 0x00020000);
    CHECK(rs.mark_of(70000) == 0x00030000);
    CHECK(rs.mark_of(4) == 0);
    CHECK((rs.mark_of(70000) & ~kMarkMask) == 0);
    // default -> pcs icmp: the source's mark in the destination's set.
    CHECK(rs.allowed.at(5).count("0x00020000 . icmp . 0-65535"));
}

TEST_CASE("firewall: the kernel accepts the table, the delta and the removal (root)") {
    if (!enter_private_netns()) {
        WARN("not root (or no network namespaces): kernel check skipped");
        return;
    }
    const auto before = build_ruleset(small_site(), "warden_test");
    testing::TempDir dir;
    const auto path = (dir.path / "table.nft").string();
    std::ofstream(path) << render_full(before);
    // The nft tool's own syntax check of the exact text, as an operator would run it.
    CHECK(std::system(("nft -c -f " + path).c_str()) == 0);

    NftApplier nft;
    REQUIRE(nft.apply(render_full(before)) == "");
    REQUIRE(nft.apply(render_full(before)) == "");  // replacing an existing table works
    FirewallInput changed = small_site();
    changed.rules.push_back(rule(4, "pcs", "default", "tcp", "22,8000-8080"));
    changed.rules.erase(changed.rules.begin());
    const auto after = build_ruleset(changed, "warden_test");
    REQUIRE(nft.apply(*render_delta(before, after)) == "");
    FirewallInput moved = changed;
    moved.devices[0].group = "default";
    moved.devices[1].network = "192.168.20.0/24";
    const auto relocated = build_ruleset(moved, "warden_test");
    REQUIRE(nft.apply(*render_delta(after, relocated)) == "");
    CHECK(nft.run("list map inet warden_test addr_net").output.find("192.168.20.0/24 : jump g_3") !=
          std::string::npos);
    CHECK(nft.run("list map inet warden_test addr_ip").output.find("10.8.0.2 : jump g_1") !=
          std::string::npos);
    auto listed = nft.run("list set inet warden_test allow_1");
    REQUIRE(listed.ok);
    CHECK(listed.output.find("0x00020000 . tcp . 8000-8080") != std::string::npos);
    CHECK(nft.run("list set inet warden_test allow_2").output.find("tcp . 443") ==
          std::string::npos);
    // A broken script changes nothing: the previous table stays whole.
    CHECK_FALSE(nft.apply("add element inet warden_test allow_1 { nonsense }\n").empty());
    CHECK(nft.run("list set inet warden_test allow_1").output.find("8000-8080") !=
          std::string::npos);
    REQUIRE(nft.apply(render_remove("warden_test")) == "");
    CHECK_FALSE(nft.run("list table inet warden_test").ok);
}

// FlowJudge: which live flows the new ruleset still allows, judged as the forward chain
// would judge each flow's first packet.
#include <catch2/catch.hpp>

#include <netinet/in.h>

#include "daemon/firewall/flows.hpp"
#include "rule_rows.hpp"

using namespace warden;
using namespace warden::firewall;
using warden::testing::rule;

namespace {

std::uint32_t ip(const char* text) {
    return *net::parse_ipv4(text);
}

// eng: pc1 10.8.0.2; office: pc2 10.8.0.3; plant: r1 10.8.0.4 with 192.168.61.0/24.
FirewallInput site(std::vector<store::Rule> rules) {
    FirewallInput in;
    in.pool = *net::parse_network("10.8.0.0/24");
    in.groups = {{1, "eng"}, {2, "office"}, {3, "plant"}};
    in.devices = {{"pc1", "eng", ip("10.8.0.2"), ""},
                  {"pc2", "office", ip("10.8.0.3"), ""},
                  {"r1", "plant", ip("10.8.0.4"), "192.168.61.0/24"}};
    in.rules = std::move(rules);
    return in;
}

FlowJudge judge_of(const FirewallInput& in, std::set<std::uint32_t> local = {}) {
    return FlowJudge(build_ruleset(in, "warden"), in, std::move(local));
}

Flow tcp(const char* src, const char* dst, std::uint16_t port) {
    return {ip(src), ip(dst), IPPROTO_TCP, port};
}
Flow icmp(const char* src, const char* dst) {
    return {ip(src), ip(dst), IPPROTO_ICMP, 0};
}

using V = FlowJudge::Verdict;

}  // namespace

TEST_CASE("flows: a deleted rule denies the flows it allowed, in its direction only") {
    const auto with = judge_of(site({rule(0, "eng", "office", "", "", true)}));
    CHECK(with.judge(tcp("10.8.0.2", "10.8.0.3", 22)) == V::Allowed);
    CHECK(with.judge(icmp("10.8.0.3", "10.8.0.2")) == V::Allowed);
    const auto without = judge_of(site({}));
    CHECK(without.judge(tcp("10.8.0.2", "10.8.0.3", 22)) == V::Denied);
    CHECK(without.judge(icmp("10.8.0.3", "10.8.0.2")) == V::Denied);
    const auto one_way = judge_of(site({rule(0, "eng", "office")}));
    CHECK(one_way.judge(icmp("10.8.0.2", "10.8.0.3")) == V::Allowed);
    CHECK(one_way.judge(icmp("10.8.0.3", "10.8.0.2")) == V::Denied);
}

TEST_CASE("flows: protocol and port limits are judged as the table's set lookup") {
    const auto j = judge_of(site(
        {rule(0, "eng", "plant", "tcp", "8080,9000-9010"), rule(0, "office", "plant", "icmp")}));
    CHECK(j.judge(tcp("10.8.0.2", "192.168.61.10", 8080)) == V::Allowed);  // LAN behind r1
    CHECK(j.judge(tcp("10.8.0.2", "192.168.61.10", 9005)) == V::Allowed);
    CHECK(j.judge(tcp("10.8.0.2", "192.168.61.10", 8081)) == V::Denied);
    CHECK(j.judge({ip("10.8.0.2"), ip("192.168.61.10"), IPPROTO_UDP, 8080}) == V::Denied);
    CHECK(j.judge(icmp("10.8.0.3", "10.8.0.4")) == V::Allowed);
    CHECK(j.judge(tcp("10.8.0.3", "10.8.0.4", 80)) == V::Denied);
    CHECK(j.judge({ip("10.8.0.3"), ip("10.8.0.4"), 47 /* GRE */, 0}) == V::Denied);
    const auto any = judge_of(site({rule(0, "office", "plant")}));
    CHECK(any.judge({ip("10.8.0.3"), ip("10.8.0.4"), 47, 0}) == V::Allowed);
}

TEST_CASE("flows: only flows between participants are ours, the server's own never") {
    const auto j = judge_of(site({}), {ip("10.8.0.1")});
    CHECK(j.judge(tcp("10.8.0.2", "8.8.8.8", 443)) == V::NotOurs);
    CHECK(j.judge(tcp("172.16.0.1", "10.8.0.2", 22)) == V::NotOurs);
    CHECK(j.judge(tcp("172.16.0.1", "172.16.0.2", 22)) == V::NotOurs);
    CHECK(j.judge(tcp("10.8.0.2", "10.8.0.1", 22)) == V::NotOurs);  // to the server itself
    CHECK(j.allowed(tcp("10.8.0.2", "8.8.8.8", 443)));
    // A free pool address (a device deleted or moved away) is a participant without group.
    CHECK(j.judge(icmp("10.8.0.2", "10.8.0.99")) == V::Denied);
    CHECK(judge_of(site({rule(0, "eng", "eng")})).judge(icmp("10.8.0.99", "10.8.0.2")) ==
          V::Denied);
}

TEST_CASE("flows: a device moved to another group loses the old group's allowances") {
    auto in = site({rule(0, "eng", "office")});
    CHECK(judge_of(in).judge(tcp("10.8.0.2", "10.8.0.3", 80)) == V::Allowed);
    in.devices[0].group = "plant";
    CHECK(judge_of(in).judge(tcp("10.8.0.2", "10.8.0.3", 80)) == V::Denied);
}

// The firewall as data: a pure function of the stored groups, devices and rules
// (build_ruleset), rendered to nftables script text by script.hpp. No I/O here.
//
// Shape in the kernel (one table, family inet), per packet a constant number of lookups
// whatever the number of devices, groups or rules. Only IPv4 between participants is
// ours: everything else (IPv6, other hosts' traffic) returns untouched, packet mark too.
//   forward: meta nfproto != ipv4 return                   IPv6 etc.: not ours
//            saddr/daddr not in pool, @addr_ip, @addr_net: return   not between participants
//            ct state established,related accept     replies to allowed connections
//            mark &= ~MASK                             only our bits (kMarkMask) are touched
//            ip saddr vmap @addr_ip / @addr_net        source's group chain g_<G>: bits := G
//            mark & MASK == 0 drop                     source has no group (free pool address)
//            ip daddr vmap @addr_ip / @addr_net        destination's group chain g_<H>:
//            drop                                        bits . proto . port in @allow_<H>?
//   g_<G>:   mark & MASK == 0: mark |= mark(G), return (first visit: the source)
//            mark & MASK . meta l4proto . th dport @allow_<G> accept   (second: the destination)
// One address map serves both lookups (the mark tells the visits apart), so a device costs
// one element, and the maps double as the set of participants (with the pool, so a free
// pool address is one too). @addr_ip (hash) holds the VPN IPs and @addr_net (intervals)
// the networks, each jumping to its group's chain; @allow_<G> holds "source group's mark .
// protocol . port" intervals, kept disjoint (nftables refuses overlapping intervals in one
// set). A group's mark is its rank among the group ids (1, 2, ...) in bits 16-27, so the
// marks of Docker, Kubernetes (0x4000, 0x8000) or wg-quick (0xca6c) are left alone.
//
// Established flows are accepted by conntrack, so taking an allowance away also needs the
// live flows it covered cut: flows.hpp judges them against the new ruleset.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/firewall/ports.hpp"
#include "daemon/store/store.hpp"

namespace warden::firewall {

// The packet mark bits the table owns; a group's mark is (rank << kMarkShift).
inline constexpr std::uint32_t kMarkMask = 0x0fff0000;
inline constexpr int kMarkShift = 16;
inline constexpr std::size_t kMaxGroups = kMarkMask >> kMarkShift;  // 4095

struct FirewallInput {
    net::Network pool;
    std::vector<store::Group> groups;
    std::vector<store::GroupMember> devices;
    std::vector<store::Rule> rules;
};

struct Ruleset {
    std::string table;  // nftables table name (family inet)
    std::string pool;   // "10.8.0.0/24"
    // Address (VPN IP or network) -> group id, sorted by address, non-overlapping.
    std::vector<std::pair<std::string, std::int64_t>> members;
    // Group id -> the allow elements of traffic towards it "src . proto . ports"; every group has
    // an entry (maybe empty) so a rule change never needs a new chain.
    std::map<std::int64_t, std::set<std::string>> allowed;
    // Input that could not be used (overlapping addresses, unknown groups): logged.
    std::vector<std::string> skipped;

    // Same chains and sets (groups): everything else can change by elements.
    bool same_structure(const Ruleset& other) const {
        return table == other.table && pool == other.pool && group_ids() == other.group_ids();
    }
    std::vector<std::int64_t> group_ids() const;
    // The mark of a group of `allowed` (its rank among the ids, shifted); 0 when unknown.
    std::uint32_t mark_of(std::int64_t group) const;
    std::size_t element_count() const;
    bool operator==(const Ruleset&) const = default;
};

// What the rules from one source group to one destination group allow.
struct Allowance {
    bool any = false;                                        // every protocol and port
    std::map<std::string, std::vector<PortRange>> by_proto;  // tcp/udp/icmp -> ports
};

// Adds one rule's protocol and ports to `acc` (the one reading of a rule, shared by the
// renderer and the flow judge); a rule with invalid ports is noted in `skipped`.
void add_rule(Allowance& acc, const store::Rule& rule, std::vector<std::string>& skipped);

// The groups the table can hold (the first kMaxGroups by id), by name; notes the others.
std::map<std::string, std::int64_t, std::less<>> usable_groups(
    const std::vector<store::Group>& groups, std::vector<std::string>* skipped);

Ruleset build_ruleset(const FirewallInput& input, const std::string& table);

// Recomputes only rs.allowed from input.rules (groups and members as in `rs`): what a
// rule change needs, without reading or sorting every device again.
// With `only`, just the sets of those destination groups are recomputed (a rule change
// touches the groups it names; the others stay as they are).
void rebuild_allowed(Ruleset& rs, const FirewallInput& input,
                     const std::optional<std::set<std::int64_t>>& only = std::nullopt);

// The destination groups whose sets the difference between two rule lists touches.
std::set<std::int64_t> touched_groups(const std::vector<store::Rule>& before,
                                      const std::vector<store::Rule>& after,
                                      const std::vector<store::Group>& groups);

}  // namespace warden::firewall

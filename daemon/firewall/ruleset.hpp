// The firewall as data: a pure function of the stored groups, devices and rules
// (build_ruleset), rendered to nftables script text by script.hpp. No I/O here.
//
// Shape in the kernel (one table, family inet), per packet a constant number of lookups
// whatever the number of devices, groups or rules:
//   forward: ct state established,related accept     replies to allowed connections
//            saddr/daddr not in pool, @addr_ip, @addr_net: return   not between participants
//            meta mark set 0
//            ip saddr vmap @addr_ip / @addr_net        source's group chain g_<G>: mark := G
//            meta mark 0 drop                          source has no group (free pool address)
//            ip daddr vmap @addr_ip / @addr_net        destination's group chain g_<H>:
//            drop                                        mark . proto . port in @allow_<H>?
//   g_<G>:   meta mark 0 meta mark set G return        (first visit: the source)
//            meta mark . meta l4proto . th dport @allow_<G> accept   (second: the destination)
// One address map serves both lookups (the mark tells the visits apart), so a device costs
// one element, and the maps double as the set of participants (with the pool, so a free
// pool address is one too). @addr_ip (hash) holds the VPN IPs and @addr_net (intervals)
// the networks, each jumping to its group's chain; @allow_<G> holds "source group . protocol .
// port" intervals, kept disjoint (nftables refuses overlapping intervals in one set).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

namespace warden::firewall {

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
    std::size_t element_count() const;
    bool operator==(const Ruleset&) const = default;
};

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

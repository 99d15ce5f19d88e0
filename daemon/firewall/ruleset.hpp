// The firewall as data: a pure function of the stored groups, devices and rules
// (build_ruleset), rendered to nftables script text by script.hpp. No I/O here.
//
// Shape in the kernel (one table, family inet), per packet a constant number of lookups
// whatever the number of devices, groups or rules:
//   forward: ct state established,related accept       replies to allowed connections
//            ip saddr/daddr not in @participants: return  not between VPN participants
//            meta mark set ip saddr map @member           source group -> packet mark
//            ip daddr vmap @inbound                       jump to the destination group's chain
//            drop                                         no rule allowed it
//   in_<G>:  meta mark . meta l4proto . th dport @allow_<G> accept
// @participants holds the VPN pool and every accessible network; @member and @inbound
// map each VPN IP and network to its group; @allow_<G> holds "source group . protocol .
// port" intervals, disjoint (nftables refuses overlapping intervals in one set).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

namespace warden::firewall {

struct FirewallInput {
    net::Network pool;
    std::vector<store::Group> groups;
    std::vector<store::Device> devices;
    std::vector<store::Rule> rules;
};

struct Ruleset {
    std::string table;                      // nftables table name (family inet)
    std::vector<std::string> participants;  // "10.8.0.0/24", "192.168.10.0/24", sorted
    // Address (VPN IP or network) -> group id, sorted by address, non-overlapping.
    std::vector<std::pair<std::string, std::int64_t>> members;
    // Destination group id -> its allow elements "src . proto . ports"; every group has an
    // entry (maybe empty) so a rule change never needs a new chain.
    std::map<std::int64_t, std::set<std::string>> allowed;
    // Input that could not be used (overlapping addresses, unknown groups): logged.
    std::vector<std::string> skipped;

    // Same chains, sets and members: only @allow_<G> elements may differ.
    bool same_structure(const Ruleset& other) const {
        return table == other.table && participants == other.participants &&
               members == other.members && group_ids() == other.group_ids();
    }
    std::vector<std::int64_t> group_ids() const;
    std::size_t element_count() const;
    bool operator==(const Ruleset&) const = default;
};

Ruleset build_ruleset(const FirewallInput& input, const std::string& table);

}  // namespace warden::firewall

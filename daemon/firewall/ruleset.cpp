#include "daemon/firewall/ruleset.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "daemon/firewall/ports.hpp"

namespace warden::firewall {
namespace {

struct Block {
    net::Network network;
    std::int64_t group = 0;
    std::string owner;  // device name, for the skipped note
};

std::string address_text(const net::Network& n) {
    return n.prefix == 32 ? net::format_ipv4(n.address) : n.to_string();
}

// CIDR blocks are either disjoint or nested: sorting by start (bigger first) and keeping
// each block not inside the last kept one leaves a disjoint list.
template <typename Note>
std::vector<Block> disjoint(std::vector<Block> blocks, Note note) {
    std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) {
        if (a.network.address != b.network.address) return a.network.address < b.network.address;
        return a.network.prefix < b.network.prefix;
    });
    std::vector<Block> out;
    for (auto& b : blocks) {
        if (!out.empty() && out.back().network.overlaps(b.network)) {
            note(b, out.back());
            continue;
        }
        out.push_back(std::move(b));
    }
    return out;
}

// Always a range, also for one port ("443-443"): nftables 1.0.6 cannot delete an element
// of a concatenated interval set whose parts are all single values (ENOENT), so every
// element keeps at least one range part and a rule change can remove what it added.
std::string port_text(const PortRange& r) {
    return std::to_string(r.first) + "-" + std::to_string(r.last);
}

std::string mark_text(std::uint32_t mark) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", mark);
    return buf;
}

void render_allowance(std::uint32_t source_mark, const Allowance& acc, std::set<std::string>& out) {
    const std::string src = mark_text(source_mark) + " . ";
    if (acc.any) {
        out.insert(src + "0-255 . 0-65535");
        return;
    }
    for (const auto& [proto, ranges] : acc.by_proto) {
        for (const auto& r : merge_ranges(ranges)) out.insert(src + proto + " . " + port_text(r));
    }
}

}  // namespace

void add_rule(Allowance& acc, const store::Rule& rule, std::vector<std::string>& skipped) {
    if (rule.proto.empty() && rule.ports.empty()) {
        acc.any = true;
        return;
    }
    std::vector<PortRange> ports{{0, 65535}};
    if (!rule.ports.empty() && rule.proto != "icmp") {
        auto parsed = parse_ports(rule.ports);
        if (!parsed.ok()) {
            skipped.push_back("rule " + std::to_string(rule.id) + ": " + parsed.error);
            return;
        }
        ports = parsed.ranges;
    }
    // Ports without a protocol mean TCP and UDP: only they have ports.
    const std::vector<std::string> protos = rule.proto.empty()
                                                ? std::vector<std::string>{"tcp", "udp"}
                                                : std::vector<std::string>{rule.proto};
    for (const auto& p : protos) {
        auto& list = acc.by_proto[p];
        list.insert(list.end(), ports.begin(), ports.end());
    }
}

std::map<std::string, std::int64_t, std::less<>> usable_groups(
    const std::vector<store::Group>& groups, std::vector<std::string>* skipped) {
    std::vector<const store::Group*> by_id;
    for (const auto& g : groups) by_id.push_back(&g);
    std::sort(by_id.begin(), by_id.end(), [](auto* a, auto* b) { return a->id < b->id; });
    std::map<std::string, std::int64_t, std::less<>> out;
    for (std::size_t i = 0; i < by_id.size(); ++i) {
        if (i < kMaxGroups)
            out[by_id[i]->name] = by_id[i]->id;
        else if (skipped)
            skipped->push_back("group " + by_id[i]->name + ": more than " +
                               std::to_string(kMaxGroups) + " groups, its devices are denied");
    }
    return out;
}

std::uint32_t Ruleset::mark_of(std::int64_t group) const {
    auto it = allowed.find(group);
    if (it == allowed.end()) return 0;
    const auto rank = static_cast<std::uint32_t>(std::distance(allowed.begin(), it)) + 1;
    return rank << kMarkShift;
}

std::vector<std::int64_t> Ruleset::group_ids() const {
    std::vector<std::int64_t> ids;
    for (const auto& [id, elements] : allowed) ids.push_back(id);
    return ids;
}

std::size_t Ruleset::element_count() const {
    std::size_t n = members.size();
    for (const auto& [id, elements] : allowed) n += elements.size();
    return n;
}

Ruleset build_ruleset(const FirewallInput& input, const std::string& table) {
    Ruleset rs;
    rs.table = table;
    const auto group_ids = usable_groups(input.groups, &rs.skipped);

    rs.pool = input.pool.to_string();
    std::vector<Block> members;
    for (const auto& d : input.devices) {
        auto group = group_ids.find(d.group);
        if (group == group_ids.end()) {
            rs.skipped.push_back("device " + d.device + ": unknown group " + d.group);
            continue;
        }
        if (d.vpn_ip != 0) members.push_back({{d.vpn_ip, 32}, group->second, d.device});
        if (auto network = net::parse_network(d.network))
            members.push_back({*network, group->second, d.device});
    }
    for (const auto& b : disjoint(std::move(members), [&](const Block&b, const Block&kept) {
             rs.skipped.push_back("device " + b.owner + ": " + address_text(b.network) +
                                  " overlaps " + address_text(kept.network) + " of " + kept.owner);
         })) {
        rs.members.emplace_back(address_text(b.network), b.group);
    }
    rebuild_allowed(rs, input);
    return rs;
}

void rebuild_allowed(Ruleset& rs, const FirewallInput& input,
                     const std::optional<std::set<std::int64_t>>& only) {
    auto wanted = [&only](std::int64_t group) { return !only || only->count(group); };
    const auto group_ids = usable_groups(input.groups, nullptr);
    for (auto& [id, elements] : rs.allowed)
        if (wanted(id)) elements.clear();
    for (const auto& [name, id] : group_ids) rs.allowed[id];
    std::map<std::pair<std::int64_t, std::int64_t>, Allowance> pairs;  // (to, from)
    for (const auto& r : input.rules) {
        auto from = group_ids.find(r.from_group);
        auto to = group_ids.find(r.to_group);
        if (from == group_ids.end() || to == group_ids.end()) {
            rs.skipped.push_back("rule " + std::to_string(r.id) + ": unknown group");
            continue;
        }
        if (wanted(to->second)) add_rule(pairs[{to->second, from->second}], r, rs.skipped);
        if (r.both && wanted(from->second))
            add_rule(pairs[{from->second, to->second}], r, rs.skipped);
    }
    for (const auto& [key, acc] : pairs)
        render_allowance(rs.mark_of(key.second), acc, rs.allowed[key.first]);
}

std::set<std::int64_t> touched_groups(const std::vector<store::Rule>& before,
                                      const std::vector<store::Rule>& after,
                                      const std::vector<store::Group>& groups) {
    // Rules are never edited, only added and deleted: compare by id.
    auto ids = [](const std::vector<store::Rule>& rules) {
        std::map<std::int64_t, const store::Rule*> out;
        for (const auto& r : rules) out[r.id] = &r;
        return out;
    };
    const auto old_ids = ids(before), new_ids = ids(after);
    std::vector<const store::Rule*> changed;
    for (const auto& [id, r] : old_ids)
        if (!new_ids.count(id)) changed.push_back(r);
    for (const auto& [id, r] : new_ids)
        if (!old_ids.count(id)) changed.push_back(r);
    std::set<std::int64_t> out;
    for (const auto* r : changed) {
        for (const auto& g : groups) {
            if (g.name == r->to_group || (r->both && g.name == r->from_group)) out.insert(g.id);
        }
    }
    return out;
}

}  // namespace warden::firewall

#include "daemon/firewall/flows.hpp"

#include <netinet/in.h>

#include <algorithm>

namespace warden::firewall {
namespace {

// Members are rendered as "a.b.c.d" (a VPN IP) or "a.b.c.d/n" (a network).
std::optional<net::Network> member_network(const std::string& text) {
    if (text.find('/') != std::string::npos) return net::parse_network(text);
    if (auto ip = net::parse_ipv4(text)) return net::Network{*ip, 32};
    return std::nullopt;
}

const char* proto_name(std::uint8_t proto) {
    switch (proto) {
        case IPPROTO_TCP:
            return "tcp";
        case IPPROTO_UDP:
            return "udp";
        case IPPROTO_ICMP:
            return "icmp";
        default:
            return nullptr;
    }
}

// As the set lookup "proto . th dport": TCP and UDP by port; ICMP rules cover every
// "port" (the table matches 0-65535), other protocols only an "any" rule allows.
bool permits(const Allowance& acc, const Flow& flow) {
    if (acc.any) return true;
    const char* name = proto_name(flow.proto);
    if (!name) return false;
    auto it = acc.by_proto.find(name);
    if (it == acc.by_proto.end()) return false;
    const bool has_ports = flow.proto == IPPROTO_TCP || flow.proto == IPPROTO_UDP;
    return std::any_of(it->second.begin(), it->second.end(), [&](const PortRange& r) {
        return has_ports ? (flow.dst_port >= r.first && flow.dst_port <= r.last)
                         : (r.first == 0 && r.last == 65535);
    });
}

}  // namespace

FlowJudge::FlowJudge(const Ruleset& rs, const FirewallInput& input, std::set<std::uint32_t> local)
    : pool_(net::parse_network(rs.pool)), local_(std::move(local)) {
    for (const auto& [address, group] : rs.members) {
        if (auto n = member_network(address)) members_.emplace_back(*n, group);
    }
    std::sort(members_.begin(), members_.end(),
              [](const auto& a, const auto& b) { return a.first.address < b.first.address; });
    std::vector<std::string> ignored;  // already noted when the ruleset was built
    const auto groups = usable_groups(input.groups, nullptr);
    for (const auto& r : input.rules) {
        auto from = groups.find(r.from_group);
        auto to = groups.find(r.to_group);
        if (from == groups.end() || to == groups.end()) continue;
        add_rule(pairs_[{to->second, from->second}], r, ignored);
        if (r.both) add_rule(pairs_[{from->second, to->second}], r, ignored);
    }
}

std::optional<std::int64_t> FlowJudge::group_of(std::uint32_t ip) const {
    // The last member starting at or below ip is the only one that can contain it.
    auto it = std::upper_bound(members_.begin(), members_.end(), ip,
                               [](std::uint32_t v, const auto& m) { return v < m.first.address; });
    if (it == members_.begin()) return std::nullopt;
    --it;
    if (!it->first.contains(ip)) return std::nullopt;
    return it->second;
}

bool FlowJudge::participant(std::uint32_t ip) const {
    return (pool_ && pool_->contains(ip)) || group_of(ip).has_value();
}

FlowJudge::Verdict FlowJudge::judge(const Flow& flow) const {
    if (local_.count(flow.src) || local_.count(flow.dst)) return Verdict::NotOurs;
    if (!participant(flow.src) || !participant(flow.dst)) return Verdict::NotOurs;
    const auto from = group_of(flow.src);
    const auto to = group_of(flow.dst);
    if (!from || !to) return Verdict::Denied;  // a free pool address
    auto it = pairs_.find({*to, *from});
    return it != pairs_.end() && permits(it->second, flow) ? Verdict::Allowed : Verdict::Denied;
}

}  // namespace warden::firewall

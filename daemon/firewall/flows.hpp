// Which live flows a ruleset still allows: the pure half of cutting established flows
// after an admin change (conntrack.hpp deletes what this says is denied). No I/O here.
//
// The table accepts `ct state established` before any lookup (the cheap path for every
// packet of a flow), so removing an allowance from the table alone leaves the flows it
// covered running. After each change the caller lists conntrack's IPv4 flows and asks
// FlowJudge about each one's original direction, exactly as the forward chain would judge
// its first packet: flows that are not between participants are not ours and stay.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/firewall/ruleset.hpp"

namespace warden::firewall {

// One conntrack entry's original direction (addresses in host order).
struct Flow {
    std::uint32_t src = 0;
    std::uint32_t dst = 0;
    std::uint8_t proto = 0;      // IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, ...
    std::uint16_t dst_port = 0;  // TCP and UDP only
};

class FlowJudge {
  public:
    enum class Verdict { NotOurs, Allowed, Denied };

    // `rs` is the ruleset now in the kernel, `input` what it was built from (the rules are
    // read with add_rule, as for rendering). `local` are the host's own addresses in the
    // pool (the server's VPN IP): its flows are input/output, never forwarded, never ours.
    FlowJudge(const Ruleset& rs, const FirewallInput& input, std::set<std::uint32_t> local = {});

    Verdict judge(const Flow& flow) const;
    bool allowed(const Flow& flow) const { return judge(flow) != Verdict::Denied; }

  private:
    std::optional<std::int64_t> group_of(std::uint32_t ip) const;
    bool participant(std::uint32_t ip) const;

    std::optional<net::Network> pool_;
    std::vector<std::pair<net::Network, std::int64_t>> members_;        // sorted, disjoint
    std::map<std::pair<std::int64_t, std::int64_t>, Allowance> pairs_;  // (to, from)
    std::set<std::uint32_t> local_;
};

}  // namespace warden::firewall

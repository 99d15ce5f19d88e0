// Which routed networks a client is pushed routes for: only those its group may exchange
// traffic with under the communication rules (SPEC §7), as a pure function.
//
// A rule in either direction links two groups: with a one-way rule H -> G, clients of G
// still need the route to H's networks, or their replies to H's connections would leave
// through their own default route instead of the tunnel.
#pragma once

#include <string>
#include <vector>

#include "daemon/store/store.hpp"

namespace warden::core {

// The rows of `routed` whose group is linked to `group` by one of `rules` (any rules;
// typically the store's rules_of_group(group)).
std::vector<store::RoutedNetworkRow> reachable_networks(
    const std::string& group, const std::vector<store::RoutedNetworkRow>& routed,
    const std::vector<store::Rule>& rules);

}  // namespace warden::core

#include "daemon/core/reach.hpp"

#include <set>

namespace warden::core {

std::vector<store::RoutedNetworkRow> reachable_networks(
    const std::string& group, const std::vector<store::RoutedNetworkRow>& routed,
    const std::vector<store::Rule>& rules) {
    std::set<std::string, std::less<>> linked;
    for (const auto& r : rules) {
        if (r.from_group == group) linked.insert(r.to_group);
        if (r.to_group == group) linked.insert(r.from_group);
    }
    std::vector<store::RoutedNetworkRow> out;
    for (const auto& row : routed) {
        if (linked.count(row.group)) out.push_back(row);
    }
    return out;
}

}  // namespace warden::core

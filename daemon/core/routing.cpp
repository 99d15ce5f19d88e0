#include "daemon/core/routing.hpp"

#include <algorithm>

namespace warden::core {
namespace {

bool same(const net::Network& a, const net::Network& b) {
    return a.address == b.address && a.prefix == b.prefix;
}

bool less(const net::Network& a, const net::Network& b) {
    return a.address != b.address ? a.address < b.address : a.prefix < b.prefix;
}

}  // namespace

std::vector<RoutedNetwork> routed_networks(const std::vector<store::RoutedNetworkRow>& rows) {
    std::vector<RoutedNetwork> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        if (auto network = net::parse_network(row.network))
            out.push_back({row.device_id, *network});
    }
    return out;
}

std::string route_argument(const net::Network& network) {
    return net::format_ipv4(network.address) + " " + net::format_ipv4(network.netmask());
}

std::string routing_config(const store::Device& device,
                           const std::vector<RoutedNetwork>& reachable) {
    std::string config;
    if (device.type == store::DeviceType::Router) {
        if (auto own = net::parse_network(device.network))
            config += "iroute " + route_argument(*own) + "\n";
    }
    for (const auto& r : reachable) {
        if (r.device_id == device.id) continue;
        config += "push \"route " + route_argument(r.network) + "\"\n";
    }
    return config;
}

RouteChanges route_changes(const std::vector<net::Network>& present,
                           const std::vector<RoutedNetwork>& wanted) {
    std::vector<net::Network> want;
    want.reserve(wanted.size());
    for (const auto& w : wanted) want.push_back(w.network);
    std::sort(want.begin(), want.end(), less);
    want.erase(std::unique(want.begin(), want.end(), same), want.end());
    std::vector<net::Network> have(present);
    std::sort(have.begin(), have.end(), less);

    RouteChanges changes;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                        std::back_inserter(changes.add), less);
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(),
                        std::back_inserter(changes.remove), less);
    return changes;
}

}  // namespace warden::core

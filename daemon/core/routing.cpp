#include "daemon/core/routing.hpp"

#include <algorithm>
#include <map>

namespace warden::core {
namespace {

bool same(const net::Network& a, const net::Network& b) {
    return a.address == b.address && a.prefix == b.prefix;
}

bool less(const net::Network& a, const net::Network& b) {
    return a.address != b.address ? a.address < b.address : a.prefix < b.prefix;
}

bool contains(const net::Network& outer, const net::Network& inner) {
    return outer.prefix <= inner.prefix && outer.contains(inner.address);
}

// Two halves of one parent: same length, and they differ only in the parent's split bit.
bool siblings(const net::Network& a, const net::Network& b) {
    if (a.prefix != b.prefix || a.prefix == 0) return false;
    const std::uint32_t half = std::uint32_t{1} << (32 - a.prefix);
    return (a.address & half) == 0 && b.address == (a.address | half);
}

}  // namespace

std::vector<net::Network> aggregate_networks(std::vector<net::Network> networks) {
    std::sort(networks.begin(), networks.end(), less);
    std::vector<net::Network> out;
    for (const auto& n : networks) {
        // Sorted by address, bigger first: only the last kept one can contain n.
        if (!out.empty() && contains(out.back(), n)) continue;
        out.push_back(n);
        // The new one may complete a parent, which may complete its own parent.
        while (out.size() >= 2 && siblings(out[out.size() - 2], out.back())) {
            out.pop_back();
            out.back().prefix -= 1;
        }
    }
    return out;
}

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
    std::vector<net::Network> pushed;
    for (const auto& r : reachable) {
        if (r.device_id != device.id) pushed.push_back(r.network);
    }
    for (const auto& n : aggregate_networks(std::move(pushed)))
        config += "push \"route " + route_argument(n) + "\"\n";
    return config;
}

namespace {

// Ordered by destination, then by where it goes (the tun device first).
bool route_less(const KernelRoute& a, const KernelRoute& b) {
    if (!same(a.network, b.network)) return less(a.network, b.network);
    return a.via < b.via;
}

bool route_same(const KernelRoute& a, const KernelRoute& b) {
    return same(a.network, b.network) && a.via == b.via;
}

}  // namespace

RouteChanges route_changes(const std::vector<KernelRoute>& present,
                           const std::vector<RoutedNetwork>& wanted) {
    std::vector<KernelRoute> want;
    want.reserve(wanted.size());
    for (const auto& w : wanted) want.push_back({w.network, w.via});
    std::sort(want.begin(), want.end(), route_less);
    want.erase(std::unique(want.begin(), want.end(), route_same), want.end());
    std::vector<KernelRoute> have(present);
    std::sort(have.begin(), have.end(), route_less);

    RouteChanges changes;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                        std::back_inserter(changes.add), route_less);
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(),
                        std::back_inserter(changes.remove), route_less);
    return changes;
}

std::vector<RoutedNetwork> routes_across_nodes(std::vector<RoutedNetwork> routed,
                                               const std::vector<DeviceElsewhere>& elsewhere) {
    std::map<std::int64_t, std::uint32_t> node_of;
    for (const auto& d : elsewhere) node_of[d.device_id] = d.node_address;
    for (auto& r : routed) {
        if (auto it = node_of.find(r.device_id); it != node_of.end()) r.via = it->second;
    }
    for (const auto& d : elsewhere)
        routed.push_back({d.device_id, net::Network{d.vpn_ip, 32}, d.node_address});
    return routed;
}

}  // namespace warden::core

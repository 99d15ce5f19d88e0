// Routing for routers, as pure functions: which networks OpenVPN hands to which client
// (`iroute`), which routes clients are pushed, and which kernel routes the server host
// needs so that traffic for a router's LAN reaches the tun device.
//
// A router's accessible network is what the VPN routes: with netmap addressing that is
// the virtual network (the router translates it to its local one), so the local network
// never appears here and several routers may share it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

struct RoutedNetwork {
    std::int64_t device_id = 0;
    net::Network network;
    // Several nodes: the address of the node the device is connected to, when that is
    // another node (the kernel route goes there instead of into the tun device).
    std::optional<std::uint32_t> via = std::nullopt;
};

// A kernel route of ours (protocol 87): into the tun device, or via another node.
struct KernelRoute {
    net::Network network;
    std::optional<std::uint32_t> via = std::nullopt;
};

// Every parsable accessible network of the routers in `devices` (others are skipped).
std::vector<RoutedNetwork> routed_networks(const std::vector<store::RoutedNetworkRow>& rows);

// Client-connect lines for `device`: `iroute` for its own accessible network, and pushed
// routes for the networks in `reachable` that are not its own, aggregated.
std::string routing_config(const store::Device& device,
                           const std::vector<RoutedNetwork>& reachable);

// The fewest CIDR networks covering exactly the addresses of `networks`: duplicates and
// networks inside others dropped, sibling halves merged into their parent, repeatedly
// (10.0.0.0/25 + 10.0.0.128/25 -> 10.0.0.0/24). Sorted by address. Keeps a client's
// pushed-route list (and the CLIENT_CONNECT reply) small with thousands of routers.
std::vector<net::Network> aggregate_networks(std::vector<net::Network> networks);

// "192.168.10.0 255.255.255.0", the form OpenVPN's route/iroute options take.
std::string route_argument(const net::Network& network);

// What to change so the kernel has exactly `wanted` among our routes.
struct RouteChanges {
    std::vector<KernelRoute> add;     // missing: `ip route replace`
    std::vector<KernelRoute> remove;  // ours but no longer wanted: `ip route del`
    bool empty() const { return add.empty() && remove.empty(); }
};
RouteChanges route_changes(const std::vector<KernelRoute>& present,
                           const std::vector<RoutedNetwork>& wanted);

// A device connected to another node (several nodes on one database).
struct DeviceElsewhere {
    std::int64_t device_id = 0;
    std::uint32_t vpn_ip = 0;
    std::uint32_t node_address = 0;  // where that node is reached from this one
};

// This node's routes when devices are connected elsewhere: a router's networks go via
// the node that holds it, and so does each such device's VPN address (the replies to it
// leave through this node's tun device otherwise). A device is kept VPN address and
// networks whichever node it uses; the others route to it.
std::vector<RoutedNetwork> routes_across_nodes(std::vector<RoutedNetwork> routed,
                                               const std::vector<DeviceElsewhere>& elsewhere);

}  // namespace warden::core

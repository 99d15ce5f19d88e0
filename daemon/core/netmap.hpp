// The NETMAP rules a router with netmap addressing applies: its LAN keeps its local
// addresses (several routers may share one local network) and is reached across the VPN
// under the device's unique virtual network of the same size. As an nftables snippet for
// a Linux router; other routers get the same two mappings from it.
#pragma once

#include <string>

#include "daemon/store/store.hpp"

namespace warden::core {

// Empty unless the device is a router with netmap addressing and valid networks.
// `tun_pattern` is the router's tunnel interface (nftables wildcard, e.g. "tun*").
std::string netmap_nftables(const store::Device& device, const std::string& tun_pattern = "tun*");

}  // namespace warden::core

// Keeps the server host's kernel routes for routers' accessible networks pointing at the
// OpenVPN tun device, so traffic for a router's LAN reaches OpenVPN (which then picks the
// router by its `iroute`). With several nodes, routes of devices connected to another
// node point at that node's address instead. Our routes carry their own protocol number, so a sync
// touches only what warden added, and removes what no longer belongs to a device.
//
// A tun device that does not exist yet (OpenVPN not started, or restarting) is not an
// error: the owner retries, and once OpenVPN is up the routes are put in place.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <vector>

#include "daemon/core/routing.hpp"

namespace warden::app {

class KernelRoutes {
  public:
    // `device`: the tun device of the OpenVPN instance (`dev` in server.conf).
    explicit KernelRoutes(std::string device) : device_(std::move(device)) {}

    enum class Result { InSync, Changed, NoDevice, Failed };
    // Brings the kernel's routes through the device to exactly `wanted`.
    Result sync(const std::vector<core::RoutedNetwork>& wanted);

    // The routing protocol number on our routes (`ip route show proto 87`).
    static constexpr const char* kProtocol = "87";

  private:
    bool read_present(std::vector<core::KernelRoute>& present, Result& failure);
    bool show(const std::vector<std::string>& command, boost::json::value& routes, Result& failure);
    std::string target(const core::KernelRoute& route) const;  // " dev tun0", " via 10.0.0.2"

    std::string device_;
};

}  // namespace warden::app

#include "daemon/app/kernel_routes.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "common/log.hpp"
#include "daemon/app/subprocess.hpp"

namespace warden::app {
namespace json = boost::json;

namespace {

// `ip -j route show` prints "dst" as "192.168.1.0/24" (or a bare address for /32).
std::optional<net::Network> dst_of(const json::value& route) {
    const auto* dst = route.is_object() ? route.get_object().if_contains("dst") : nullptr;
    if (!dst || !dst->is_string()) return std::nullopt;
    const std::string text(dst->get_string());
    if (text.find('/') == std::string::npos) return net::parse_network(text + "/32");
    return net::parse_network(text);
}

}  // namespace

// Our routes: those into the tun device (this node's devices), and those via another
// node (devices connected there). `ip` says "Cannot find device" while OpenVPN has not
// created its tun yet: then nothing is done.
bool KernelRoutes::read_present(std::vector<core::KernelRoute>& present, Result& failure) {
    json::value tun_routes, node_routes;
    if (!show({"ip", "-j", "-4", "route", "show", "dev", device_, "proto", kProtocol}, tun_routes,
              failure) ||
        !show({"ip", "-j", "-4", "route", "show", "proto", kProtocol}, node_routes, failure))
        return false;
    for (const auto& route : tun_routes.get_array()) {
        if (auto network = dst_of(route)) present.push_back({*network, std::nullopt});
    }
    for (const auto& route : node_routes.get_array()) {
        const auto* gateway =
            route.is_object() ? route.get_object().if_contains("gateway") : nullptr;
        if (!gateway || !gateway->is_string()) continue;
        const auto via = net::parse_ipv4(std::string(gateway->get_string()));
        if (auto network = dst_of(route); network && via) present.push_back({*network, *via});
    }
    return true;
}

bool KernelRoutes::show(const std::vector<std::string>& command, json::value& routes,
                        Result& failure) {
    const auto shown = run_process(command);
    if (shown.exit_code != 0) {
        failure = shown.err.find("Cannot find device") != std::string::npos ? Result::NoDevice
                                                                            : Result::Failed;
        if (failure == Result::Failed)
            log::warn("cannot read routes", {{"device", device_}, {"error", shown.err}});
        return false;
    }
    boost::system::error_code ec;
    routes = json::parse(shown.out.empty() ? "[]" : shown.out, ec);
    if (ec || !routes.is_array()) {
        log::warn("cannot parse routes", {{"device", device_}});
        failure = Result::Failed;
        return false;
    }
    return true;
}

std::string KernelRoutes::target(const core::KernelRoute& route) const {
    if (route.via) return " via " + net::format_ipv4(*route.via);
    return " dev " + device_;
}

KernelRoutes::Result KernelRoutes::sync(const std::vector<core::RoutedNetwork>& wanted) {
    std::vector<core::KernelRoute> present;
    Result failure = Result::Failed;
    if (!read_present(present, failure)) return failure;
    const auto changes = core::route_changes(present, wanted);
    if (changes.empty()) return Result::InSync;

    std::string batch;
    for (const auto& r : changes.add)
        batch +=
            "route replace " + r.network.to_string() + target(r) + " proto " + kProtocol + "\n";
    for (const auto& r : changes.remove) {
        // A replace of the same destination took this one over (it moved between the
        // tun device and another node).
        const bool replaced =
            std::any_of(changes.add.begin(), changes.add.end(), [&](const auto& a) {
                return a.network.address == r.network.address &&
                       a.network.prefix == r.network.prefix;
            });
        if (!replaced)
            batch +=
                "route del " + r.network.to_string() + target(r) + " proto " + kProtocol + "\n";
    }
    // -force: one bad line (a route someone removed meanwhile) must not stop the others.
    const auto applied = run_process({"ip", "-force", "-batch", "-"}, batch);
    if (applied.exit_code != 0) {
        log::warn("route change failed", {{"device", device_}, {"error", applied.err}});
        return Result::Failed;
    }
    log::info("routes changed", {{"device", device_},
                                 {"added", std::to_string(changes.add.size())},
                                 {"removed", std::to_string(changes.remove.size())}});
    return Result::Changed;
}

}  // namespace warden::app

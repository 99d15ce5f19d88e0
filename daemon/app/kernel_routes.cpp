#include "daemon/app/kernel_routes.hpp"

#include <boost/json.hpp>

#include "common/log.hpp"
#include "daemon/app/subprocess.hpp"

namespace warden::app {
namespace json = boost::json;

namespace {

// `ip -j route show` prints "dst" as "192.168.1.0/24" (or a bare address for /32).
std::optional<net::Network> parse_dst(std::string_view dst) {
    if (dst.find('/') == std::string_view::npos)
        return net::parse_network(std::string(dst) + "/32");
    return net::parse_network(dst);
}

}  // namespace

bool KernelRoutes::read_present(std::vector<net::Network>& present, Result& failure) {
    const auto shown =
        run_process({"ip", "-j", "-4", "route", "show", "dev", device_, "proto", kProtocol});
    if (shown.exit_code != 0) {
        // iroute2 says "Cannot find device" while OpenVPN has not created its tun yet.
        failure = shown.err.find("Cannot find device") != std::string::npos ? Result::NoDevice
                                                                            : Result::Failed;
        if (failure == Result::Failed)
            log::warn("cannot read routes", {{"device", device_}, {"error", shown.err}});
        return false;
    }
    boost::system::error_code ec;
    const json::value routes = json::parse(shown.out.empty() ? "[]" : shown.out, ec);
    if (ec || !routes.is_array()) {
        log::warn("cannot parse routes", {{"device", device_}});
        failure = Result::Failed;
        return false;
    }
    for (const auto& route : routes.get_array()) {
        const auto* dst = route.is_object() ? route.get_object().if_contains("dst") : nullptr;
        if (dst && dst->is_string()) {
            if (auto network = parse_dst(dst->get_string())) present.push_back(*network);
        }
    }
    return true;
}

KernelRoutes::Result KernelRoutes::sync(const std::vector<core::RoutedNetwork>& wanted) {
    std::vector<net::Network> present;
    Result failure = Result::Failed;
    if (!read_present(present, failure)) return failure;
    const auto changes = core::route_changes(present, wanted);
    if (changes.empty()) return Result::InSync;

    std::string batch;
    for (const auto& n : changes.add)
        batch +=
            "route replace " + n.to_string() + " dev " + device_ + " proto " + kProtocol + "\n";
    for (const auto& n : changes.remove)
        batch += "route del " + n.to_string() + " dev " + device_ + " proto " + kProtocol + "\n";
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

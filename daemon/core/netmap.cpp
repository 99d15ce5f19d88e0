#include "daemon/core/netmap.hpp"

#include "daemon/core/net.hpp"

namespace warden::core {

std::string netmap_nftables(const store::Device& device, const std::string& tun_pattern) {
    if (device.type != store::DeviceType::Router || device.addressing != store::Addressing::Netmap)
        return {};
    const auto virt = net::parse_network(device.network);
    const auto local = net::parse_network(device.local_network);
    if (!virt || !local || virt->prefix != local->prefix) return {};
    const std::string v = virt->to_string();
    const std::string l = local->to_string();
    // Only the two address translations: conntrack maps the replies back, so neither
    // direction needs a rule for the other. Traffic from the LAN is translated only
    // when it leaves through the tunnel.
    std::string s;
    s += "# warden NETMAP for " + device.name + ": LAN " + l + " appears in the VPN as " + v + "\n";
    s += "# Apply on the router with: nft -f FILE (needs Linux >= 5.8, nftables >= 1.0)\n";
    s += "table ip warden_netmap\n";
    s += "delete table ip warden_netmap\n";
    s += "table ip warden_netmap {\n";
    s += "    chain prerouting {\n";
    s += "        type nat hook prerouting priority dstnat; policy accept;\n";
    s += "        ip daddr " + v + " dnat ip prefix to ip daddr map { " + v + " : " + l + " }\n";
    s += "    }\n";
    s += "    chain postrouting {\n";
    s += "        type nat hook postrouting priority srcnat; policy accept;\n";
    s += "        oifname \"" + tun_pattern + "\" ip saddr " + l +
         " snat ip prefix to ip saddr map { " + l + " : " + v + " }\n";
    s += "    }\n";
    s += "}\n";
    return s;
}

}  // namespace warden::core

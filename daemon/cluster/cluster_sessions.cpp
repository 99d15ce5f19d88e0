#include "daemon/cluster/cluster_sessions.hpp"

#include <set>

#include "common/log.hpp"

namespace warden::cluster {

std::vector<NodeSession> ClusterSessions::local_sessions() {
    std::vector<NodeSession> out;
    for (const auto& v : local_.list())
        out.push_back({link_.node(), v.instance, v.real_address, v.common_name, v.device_id,
                       v.device, v.vpn_ip, v.since, v.bytes_received, v.bytes_sent});
    return out;
}

std::vector<control::SessionView> ClusterSessions::list() {
    std::vector<control::SessionView> out = local_.list();
    for (auto& v : out) v.node = link_.node();
    for (const auto& s : link_.sessions_elsewhere()) {
        control::SessionView v;
        v.node = s.node;
        v.instance = s.instance;
        v.device = s.device_name;
        v.common_name = s.common_name;
        v.real_address = s.real_address;
        v.vpn_ip = s.vpn_ip;
        v.device_id = s.device_id;
        v.bytes_received = s.bytes_received;
        v.bytes_sent = s.bytes_sent;
        v.since = s.since;
        out.push_back(std::move(v));
    }
    return out;
}

std::size_t ClusterSessions::end_sessions_of_device(std::int64_t device_id,
                                                    const std::string& why) {
    std::size_t ended = local_.end_sessions_of_device(device_id, why);
    std::set<std::string> nodes;
    for (const auto& s : link_.sessions_elsewhere()) {
        if (s.device_id != device_id) continue;
        nodes.insert(s.node);
        ++ended;
    }
    for (const auto& node : nodes) {
        link_.order_end(node, device_id, why, now_());
        log::info("session end ordered",
                  {{"node", node}, {"device_id", std::to_string(device_id)}, {"reason", why}});
    }
    return ended;
}

void ClusterSessions::carry_out_orders() {
    for (const auto& order : link_.take_orders())
        local_.end_sessions_of_device(order.device_id, order.reason);
}

}  // namespace warden::cluster

// SessionControl over all nodes (issue 14): this node's sessions from its OpenVPN
// instances (the wrapped SessionControl), the other nodes' from what they published, and
// `session kill` of a device connected elsewhere as an order to that node (it ends the
// session when its change feed brings the order, within a second).
#pragma once

#include "daemon/cluster/node_link.hpp"
#include "daemon/control/services.hpp"

namespace warden::cluster {

class ClusterSessions final : public control::SessionControl {
  public:
    ClusterSessions(control::SessionControl& local, NodeLink& link,
                    std::function<std::int64_t()> now)
        : local_(local), link_(link), now_(std::move(now)) {}

    // This node's sessions as they go to the other nodes.
    std::vector<NodeSession> local_sessions();
    // Ends this node's sessions the other nodes ordered ended.
    void carry_out_orders();

    std::vector<control::SessionView> list() override;
    std::vector<control::InstanceView> instances() override { return local_.instances(); }
    std::size_t end_sessions_of_serial(const std::string& serial, const std::string& why) override {
        // Another node ends its own sessions of a revoked or replaced certificate when
        // the change reaches it: the store says so, no order is needed.
        return local_.end_sessions_of_serial(serial, why);
    }
    std::size_t end_sessions_of_device(std::int64_t device_id, const std::string& why) override;
    std::vector<std::string> recent_log(const std::string& instance) override {
        return local_.recent_log(instance);
    }
    std::string restart(const std::string& instance) override { return local_.restart(instance); }

  private:
    control::SessionControl& local_;
    NodeLink& link_;
    std::function<std::int64_t()> now_;
};

}  // namespace warden::cluster

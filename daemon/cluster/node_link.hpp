// What a node shares with the other nodes through PostgreSQL besides the store (issue
// 14): its registration, the live sessions it serves (so `session list` anywhere shows
// the whole network), orders to end a session on another node (`session kill` where the
// device is not connected), and the check that every node uses the same CA and
// auth-gen-token key. Its own connection, used on the daemon's loop; a statement while the
// database is away throws store::StoreError (unavailable()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/routing.hpp"
#include "daemon/store/pg_handles.hpp"

namespace warden::cluster {

struct NodeSession {
    std::string node;  // the node's name
    std::string instance, real_address, common_name;
    std::optional<std::int64_t> device_id;
    std::string device_name, vpn_ip;
    std::int64_t since = 0;
    std::uint64_t bytes_received = 0, bytes_sent = 0;
    bool operator==(const NodeSession&) const = default;
};

struct SessionOrder {
    std::int64_t device_id = 0;
    std::string reason;
};

struct SharedFile {
    std::string name;    // "ca.crt", "auth-token.key", ...
    std::string sha256;  // of the file's bytes, hex
};

class NodeLink {
  public:
    // `node`: this node's name; `application_name`: its connections' ("wardend:<node>").
    NodeLink(const std::string& conninfo, std::string node, const std::string& application_name);

    const std::string& node() const { return node_; }

    // At start: this node is up (its address for the others' routes); sessions and
    // orders left from its previous run are dropped.
    void register_node(const std::string& address, std::int64_t now);
    // The first node records the files' digests; a node whose copy differs gets an error
    // naming the file and the node that recorded it ("" when all match).
    std::string check_shared_files(const std::vector<SharedFile>& files);

    // Replaces this node's published sessions (one transaction) and marks it seen.
    void publish_sessions(const std::vector<NodeSession>& sessions, std::int64_t now);
    // The sessions the other nodes published.
    std::vector<NodeSession> sessions_elsewhere();
    // Devices with a session on another node that has an address ([store] node_address):
    // this node routes them there.
    std::vector<core::DeviceElsewhere> devices_elsewhere();
    // Asks `node` to end the device's sessions there.
    void order_end(const std::string& node, std::int64_t device_id, const std::string& reason,
                   std::int64_t now);
    // The orders addressed to this node, removed as they are taken.
    std::vector<SessionOrder> take_orders();

  private:
    store::pg::Connection conn_;
    std::string node_;
};

}  // namespace warden::cluster

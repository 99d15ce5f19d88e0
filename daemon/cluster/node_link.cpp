#include "daemon/cluster/node_link.hpp"

namespace warden::cluster {
namespace {

// A statement that fails rolls the whole of `fn` back (a lost connection has nothing
// left to roll back).
template <typename Fn>
void in_transaction(store::pg::Connection& conn, Fn&& fn) {
    conn.exec_script("BEGIN");
    try {
        fn();
        conn.exec_script("COMMIT");
    } catch (...) {
        if (conn.in_transaction()) conn.exec_script("ROLLBACK");
        throw;
    }
}

}  // namespace

NodeLink::NodeLink(const std::string& conninfo, std::string node,
                   const std::string& application_name)
    : conn_(store::pg::Connection::open(conninfo, application_name)), node_(std::move(node)) {}

void NodeLink::register_node(const std::string& address, std::int64_t now) {
    in_transaction(conn_, [&] {
        conn_.exec(
            "INSERT INTO nodes (name, address, started_at, seen_at) VALUES ($1, $2, $3, $3) "
            "ON CONFLICT (name) DO UPDATE SET address = excluded.address, "
            "started_at = excluded.started_at, seen_at = excluded.seen_at",
            {node_, address, now});
        conn_.exec("DELETE FROM node_sessions WHERE node = $1", {node_});
        conn_.exec("DELETE FROM node_orders WHERE node = $1", {node_});
    });
}

std::string NodeLink::check_shared_files(const std::vector<SharedFile>& files) {
    for (const auto& f : files) {
        conn_.exec(
            "INSERT INTO node_pki (file, sha256, node) VALUES ($1, $2, $3) "
            "ON CONFLICT (file) DO NOTHING",
            {f.name, f.sha256, node_});
        const auto row = conn_.exec("SELECT sha256, node FROM node_pki WHERE file = $1", {f.name});
        if (row.empty() || row.text(0, 0) == f.sha256) continue;
        return "pki/" + f.name + " differs from node " + row.text(0, 1) +
               "'s: every node needs the same copy (see docs/operations.md, Several nodes)";
    }
    return {};
}

void NodeLink::publish_sessions(const std::vector<NodeSession>& sessions, std::int64_t now) {
    in_transaction(conn_, [&] {
        conn_.exec("DELETE FROM node_sessions WHERE node = $1", {node_});
        for (const auto& s : sessions)
            conn_.exec(
                "INSERT INTO node_sessions (node, instance, real_address, common_name, device_id, "
                "device_name, vpn_ip, since, bytes_received, bytes_sent) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                {node_, s.instance, s.real_address, s.common_name, s.device_id, s.device_name,
                 s.vpn_ip, s.since, static_cast<std::int64_t>(s.bytes_received),
                 static_cast<std::int64_t>(s.bytes_sent)});
        conn_.exec("UPDATE nodes SET seen_at = $2 WHERE name = $1", {node_, now});
    });
}

std::vector<NodeSession> NodeLink::sessions_elsewhere() {
    const auto rows = conn_.exec(
        "SELECT node, instance, real_address, common_name, device_id, device_name, vpn_ip, "
        "since, bytes_received, bytes_sent FROM node_sessions WHERE node <> $1 "
        "ORDER BY node, instance, real_address",
        {node_});
    std::vector<NodeSession> out;
    for (int r = 0; r < rows.rows(); ++r)
        out.push_back({rows.text(r, 0), rows.text(r, 1), rows.text(r, 2), rows.text(r, 3),
                       rows.optional_int64(r, 4), rows.text(r, 5), rows.text(r, 6),
                       rows.int64(r, 7), static_cast<std::uint64_t>(rows.int64(r, 8)),
                       static_cast<std::uint64_t>(rows.int64(r, 9))});
    return out;
}

std::vector<core::DeviceElsewhere> NodeLink::devices_elsewhere() {
    const auto rows = conn_.exec(
        "SELECT s.device_id, s.vpn_ip, n.address FROM node_sessions s JOIN nodes n ON n.name = "
        "s.node WHERE s.node <> $1 AND s.device_id IS NOT NULL AND n.address <> '' "
        "ORDER BY s.device_id",
        {node_});
    std::vector<core::DeviceElsewhere> out;
    for (int r = 0; r < rows.rows(); ++r) {
        const auto vpn_ip = net::parse_ipv4(rows.text(r, 1));
        const auto address = net::parse_ipv4(rows.text(r, 2));
        if (vpn_ip && address) out.push_back({rows.int64(r, 0), *vpn_ip, *address});
    }
    return out;
}

void NodeLink::order_end(const std::string& node, std::int64_t device_id, const std::string& reason,
                         std::int64_t now) {
    conn_.exec("INSERT INTO node_orders (node, device_id, reason, at) VALUES ($1, $2, $3, $4)",
               {node, device_id, reason, now});
}

std::vector<SessionOrder> NodeLink::take_orders() {
    const auto rows =
        conn_.exec("DELETE FROM node_orders WHERE node = $1 RETURNING device_id, reason", {node_});
    std::vector<SessionOrder> out;
    for (int r = 0; r < rows.rows(); ++r) out.push_back({rows.int64(r, 0), rows.text(r, 1)});
    return out;
}

}  // namespace warden::cluster

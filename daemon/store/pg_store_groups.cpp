// PgStore: groups and rules. The SQL mirrors sqlite_store_groups.cpp, with the same
// outcomes and texts; group names sort bytewise (COLLATE "C") as in SQLite.
#include "daemon/store/pg_store.hpp"

namespace warden::store {
namespace {

constexpr std::string_view kDefaultGroup = "default";

constexpr std::string_view kRuleSelect =
    "SELECT r.id, f.name, t.name, r.both_ways, r.proto, r.ports, r.created_at "
    "FROM rules r JOIN groups f ON f.id = r.from_group JOIN groups t ON t.id = r.to_group ";

std::optional<std::int64_t> group_id(pg::Connection& conn, std::string_view name) {
    const auto r = conn.exec("SELECT id FROM groups WHERE name = $1", {name});
    if (r.empty()) return std::nullopt;
    return r.int64(0, 0);
}

std::vector<Rule> read_rules(const pg::Result& r) {
    std::vector<Rule> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3) != 0, r.text(i, 4),
                       r.text(i, 5), r.int64(i, 6)});
    }
    return out;
}

}  // namespace

Outcome PgStore::add_group(Group& g) {
    if (group_id(conn_, g.name))
        return Outcome::fail(Status::Duplicate, "name: a group named " + g.name + " exists");
    try {
        g.id =
            conn_
                .exec_guarded("INSERT INTO groups (name, created_at) VALUES ($1, $2) RETURNING id",
                              {g.name, g.created_at})
                .int64(0, 0);
    } catch (const pg::PgError& e) {  // added by another node since the check
        if (!e.unique_violation()) throw;
        return Outcome::fail(Status::Duplicate, "name: a group named " + g.name + " exists");
    }
    return Outcome::success();
}

std::vector<Group> PgStore::list_groups() {
    const auto r = conn_.exec(
        "SELECT g.id, g.name, g.created_at, "
        "(SELECT COUNT(*) FROM devices d WHERE d.group_id = g.id), "
        "(SELECT COUNT(*) FROM rules r WHERE r.from_group = g.id OR r.to_group = g.id) "
        "FROM groups g ORDER BY g.name COLLATE \"C\"");
    std::vector<Group> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.int64(i, 0), r.text(i, 1), r.int64(i, 2),
                       static_cast<std::size_t>(r.int64(i, 3)),
                       static_cast<std::size_t>(r.int64(i, 4))});
    }
    return out;
}

Outcome PgStore::delete_group(std::string_view name) {
    const auto id = group_id(conn_, name);
    if (!id) return Outcome::fail(Status::NotFound, "group not found: " + std::string(name));
    if (name == kDefaultGroup)
        return Outcome::fail(Status::Invalid, "name: the default group cannot be deleted");
    const auto devices =
        conn_.exec("SELECT COUNT(*) FROM devices WHERE group_id = $1", {*id}).int64(0, 0);
    if (devices > 0)
        return Outcome::fail(Status::Invalid, "name: group " + std::string(name) + " still has " +
                                                  std::to_string(devices) +
                                                  " device(s); move or delete them first");
    const auto rules =
        conn_.exec("SELECT COUNT(*) FROM rules WHERE from_group = $1 OR to_group = $1", {*id})
            .int64(0, 0);
    if (rules > 0)
        return Outcome::fail(Status::Invalid, "name: group " + std::string(name) + " is used by " +
                                                  std::to_string(rules) +
                                                  " rule(s); delete them first");
    conn_.exec("DELETE FROM groups WHERE id = $1", {*id});
    return Outcome::success();
}

Outcome PgStore::add_rule(Rule& r) {
    const auto from = group_id(conn_, r.from_group);
    if (!from) return Outcome::fail(Status::NotFound, "from: unknown group " + r.from_group);
    const auto to = group_id(conn_, r.to_group);
    if (!to) return Outcome::fail(Status::NotFound, "to: unknown group " + r.to_group);
    r.id = conn_
               .exec(
                   "INSERT INTO rules (from_group, to_group, both_ways, proto, ports, created_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                   {*from, *to, r.both, r.proto, r.ports, r.created_at})
               .int64(0, 0);
    return Outcome::success();
}

std::vector<Rule> PgStore::list_rules() {
    return read_rules(conn_.exec(std::string(kRuleSelect) + "ORDER BY r.id"));
}

// Runs on every client connect (pushed routes): two indexed lookups, not a scan.
std::vector<Rule> PgStore::rules_of_group(std::string_view group) {
    return read_rules(conn_.exec(
        std::string(kRuleSelect) + "WHERE f.name = $1 OR t.name = $1 ORDER BY r.id", {group}));
}

Outcome PgStore::delete_rule(std::int64_t id) {
    if (conn_.exec("DELETE FROM rules WHERE id = $1", {id}).affected() == 0)
        return Outcome::fail(Status::NotFound, "id: no rule " + std::to_string(id));
    return Outcome::success();
}

// Four columns instead of whole devices: the firewall reads every device on a rebuild.
std::vector<GroupMember> PgStore::group_members() {
    const auto r = conn_.exec(
        "SELECT d.name, g.name, d.vpn_ip, d.network FROM devices d "
        "JOIN groups g ON g.id = d.group_id ORDER BY d.vpn_ip");
    std::vector<GroupMember> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(
            {r.text(i, 0), r.text(i, 1), static_cast<std::uint32_t>(r.int64(i, 2)), r.text(i, 3)});
    return out;
}

}  // namespace warden::store

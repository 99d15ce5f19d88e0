#include "daemon/store/sqlite_store_groups.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_groups {
namespace {

constexpr std::string_view kDefaultGroup = "default";

std::int64_t count(sqlite3* db, std::string_view sql, std::int64_t id) {
    Statement s(db, sql);
    s.bind(1, id);
    s.step();
    return s.int64(0);
}

std::optional<std::int64_t> group_id(sqlite3* db, std::string_view name) {
    Statement s(db, "SELECT id FROM groups WHERE name = ?1");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return s.int64(0);
}

}  // namespace

Outcome add_group(sqlite3* db, Group& g) {
    if (group_id(db, g.name))
        return Outcome::fail(Status::Duplicate, "name: a group named " + g.name + " exists");
    Statement s(db, "INSERT INTO groups (name, created_at) VALUES (?1, ?2)");
    s.bind(1, g.name).bind(2, g.created_at).run();
    g.id = sqlite3_last_insert_rowid(db);
    return Outcome::success();
}

std::vector<Group> list_groups(sqlite3* db) {
    Statement s(db,
                "SELECT g.id, g.name, g.created_at, "
                "(SELECT COUNT(*) FROM devices d WHERE d.group_id = g.id), "
                "(SELECT COUNT(*) FROM rules r WHERE r.from_group = g.id OR r.to_group = g.id) "
                "FROM groups g ORDER BY g.name");
    std::vector<Group> out;
    while (s.step()) {
        out.push_back({s.int64(0), s.text(1), s.int64(2), static_cast<std::size_t>(s.int64(3)),
                       static_cast<std::size_t>(s.int64(4))});
    }
    return out;
}

Outcome delete_group(sqlite3* db, std::string_view name) {
    auto id = group_id(db, name);
    if (!id) return Outcome::fail(Status::NotFound, "group not found: " + std::string(name));
    if (name == kDefaultGroup)
        return Outcome::fail(Status::Invalid, "name: the default group cannot be deleted");
    const auto devices = count(db, "SELECT COUNT(*) FROM devices WHERE group_id = ?1", *id);
    if (devices > 0)
        return Outcome::fail(Status::Invalid, "name: group " + std::string(name) + " still has " +
                                                  std::to_string(devices) +
                                                  " device(s); move or delete them first");
    const auto rules =
        count(db, "SELECT COUNT(*) FROM rules WHERE from_group = ?1 OR to_group = ?1", *id);
    if (rules > 0)
        return Outcome::fail(Status::Invalid, "name: group " + std::string(name) + " is used by " +
                                                  std::to_string(rules) +
                                                  " rule(s); delete them first");
    Statement s(db, "DELETE FROM groups WHERE id = ?1");
    s.bind(1, *id).run();
    return Outcome::success();
}

Outcome add_rule(sqlite3* db, Rule& r) {
    auto from = group_id(db, r.from_group);
    if (!from) return Outcome::fail(Status::NotFound, "from: unknown group " + r.from_group);
    auto to = group_id(db, r.to_group);
    if (!to) return Outcome::fail(Status::NotFound, "to: unknown group " + r.to_group);
    Statement s(db,
                "INSERT INTO rules (from_group, to_group, both_ways, proto, ports, created_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, *from).bind(2, *to).bind(3, std::int64_t{r.both}).bind(4, r.proto);
    s.bind(5, r.ports).bind(6, r.created_at).run();
    r.id = sqlite3_last_insert_rowid(db);
    return Outcome::success();
}

static std::vector<Rule> read_rules(Statement& s) {
    std::vector<Rule> out;
    while (s.step()) {
        out.push_back(
            {s.int64(0), s.text(1), s.text(2), s.int64(3) != 0, s.text(4), s.text(5), s.int64(6)});
    }
    return out;
}

constexpr std::string_view kRuleSelect =
    "SELECT r.id, f.name, t.name, r.both_ways, r.proto, r.ports, r.created_at "
    "FROM rules r JOIN groups f ON f.id = r.from_group JOIN groups t ON t.id = r.to_group ";

std::vector<Rule> list_rules(sqlite3* db) {
    Statement s(db, std::string(kRuleSelect) + "ORDER BY r.id");
    return read_rules(s);
}

// Runs on every client connect (pushed routes): two indexed lookups, not a scan.
std::vector<Rule> rules_of_group(sqlite3* db, std::string_view group) {
    Statement s(db, std::string(kRuleSelect) + "WHERE f.name = ?1 OR t.name = ?1 ORDER BY r.id");
    s.bind(1, group);
    return read_rules(s);
}

Outcome delete_rule(sqlite3* db, std::int64_t id) {
    Statement s(db, "DELETE FROM rules WHERE id = ?1");
    s.bind(1, id).run();
    if (sqlite3_changes(db) == 0)
        return Outcome::fail(Status::NotFound, "id: no rule " + std::to_string(id));
    return Outcome::success();
}

// Four columns instead of whole devices: the firewall reads every device on a rebuild.
std::vector<GroupMember> group_members(sqlite3* db) {
    Statement s(db,
                "SELECT d.name, g.name, d.vpn_ip, d.network FROM devices d "
                "JOIN groups g ON g.id = d.group_id ORDER BY d.vpn_ip");
    std::vector<GroupMember> out;
    while (s.step())
        out.push_back({s.text(0), s.text(1), static_cast<std::uint32_t>(s.int64(2)), s.text(3)});
    return out;
}

}  // namespace warden::store::sqlite_groups

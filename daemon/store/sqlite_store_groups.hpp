// Groups and rules in SQLite. SqliteStore (sqlite_store.cpp) forwards its group and rule
// methods here, so this area grows without touching the shared store file.
#pragma once

#include <sqlite3.h>

#include "daemon/store/store.hpp"

namespace warden::store::sqlite_groups {

Outcome add_group(sqlite3* db, Group& group);
std::vector<Group> list_groups(sqlite3* db);
Outcome delete_group(sqlite3* db, std::string_view name);
Outcome add_rule(sqlite3* db, Rule& rule);
std::vector<Rule> list_rules(sqlite3* db);
std::vector<Rule> rules_of_group(sqlite3* db, std::string_view group);
std::vector<GroupMember> group_members(sqlite3* db);
Outcome delete_rule(sqlite3* db, std::int64_t id);

}  // namespace warden::store::sqlite_groups

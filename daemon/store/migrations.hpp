#pragma once

#include <string_view>
#include <vector>

namespace warden::store {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// Every migration in schema/, ordered by version (generated at build time).
const std::vector<Migration>& migrations();
// The same migrations in PostgreSQL's dialect (schema/pg/, same numbers and names).
const std::vector<Migration>& pg_migrations();

}  // namespace warden::store

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

}  // namespace warden::store

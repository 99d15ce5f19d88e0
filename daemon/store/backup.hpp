// Checking a database file without changing it: what `backup FILE` reports about the copy
// it wrote (and what an operator's restore procedure can run first).
#pragma once

#include <cstddef>
#include <string>

namespace warden::store {

struct DatabaseCheck {
    std::string error;      // set when the file could not be opened or read
    std::string integrity;  // PRAGMA integrity_check: "ok" when sound
    std::size_t devices = 0;
    int schema_version = 0;
    bool ok() const { return error.empty() && integrity == "ok"; }
};

// Opens `path` read-only (never creating or migrating it) and checks it.
DatabaseCheck inspect_database(const std::string& path);

}  // namespace warden::store

// What every store contract test file starts from: a fresh database in a temp folder.
#pragma once

#include <catch2/catch.hpp>

#include <memory>

#include "daemon/store/store.hpp"
#include "support/unix_client.hpp"

namespace warden::store::test {

using TempDir = warden::testing::TempDir;

inline std::unique_ptr<Store> open_fresh(const TempDir& dir) {
    auto result = open_sqlite(dir.file("warden.db"));
    REQUIRE(result.error.empty());
    return std::move(result.store);
}

}  // namespace warden::store::test

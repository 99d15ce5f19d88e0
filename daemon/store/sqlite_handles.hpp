// RAII wrappers for sqlite3 connections and statements.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace warden::store {

struct SqliteError : std::runtime_error {
    int code;
    SqliteError(int c, const std::string& what) : std::runtime_error(what), code(c) {}
};

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

// A prepared statement; reset() makes it reusable, so hot statements are prepared once.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::optional<std::int64_t>& value);
    Statement& bind_null(int index);

    bool step();  // true: a row is ready; false: done. Throws on error.
    void run();   // step() to completion, then reset().
    void reset();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Throws SqliteError unless rc is SQLITE_OK.
void check(sqlite3* db, int rc, std::string_view what);
void exec(sqlite3* db, std::string_view sql);

}  // namespace warden::store

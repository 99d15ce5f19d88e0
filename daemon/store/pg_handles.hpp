// RAII wrappers for libpq connections and results (the PostgreSQL store backend).
// Parameters go as text with types inferred by the server ($1::bigint where it cannot
// infer them); results are read as text and converted here, so no SQL text is built from
// values anywhere.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "daemon/store/store.hpp"

namespace warden::store::pg {

// A failed statement or connection. sqlstate is PostgreSQL's five-character code ("" when
// the connection itself failed); class 23 is an integrity constraint.
struct PgError : StoreError {
    std::string sqlstate;
    PgError(std::string state, const std::string& what)
        : StoreError(what), sqlstate(std::move(state)) {}
    bool unavailable() const override { return connection_lost(); }
    bool unique_violation() const { return sqlstate == "23505"; }
    bool constraint_violation() const { return sqlstate.rfind("23", 0) == 0; }
    // Raised by a trigger (RAISE EXCEPTION without a code: P0001).
    bool raised() const { return sqlstate == "P0001"; }
    bool connection_lost() const { return sqlstate.empty() || sqlstate.rfind("08", 0) == 0; }
};

struct ConnCloser {
    void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultCloser {
    void operator()(PGresult* res) const { PQclear(res); }
};

// One statement parameter: text, an integer, or NULL.
class Param {
  public:
    Param(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): NULL
    Param(std::int64_t v) : value_(std::to_string(v)) {}   // NOLINT(google-explicit-constructor)
    Param(int v) : value_(std::to_string(v)) {}            // NOLINT(google-explicit-constructor)
    Param(std::uint32_t v) : value_(std::to_string(v)) {}  // NOLINT(google-explicit-constructor)
    Param(std::size_t v) : value_(std::to_string(v)) {}    // NOLINT(google-explicit-constructor)
    Param(bool v) : value_(v ? "1" : "0") {}               // NOLINT(google-explicit-constructor)
    Param(std::string_view v) : value_(std::string(v)) {}  // NOLINT(google-explicit-constructor)
    Param(const std::string& v) : value_(v) {}             // NOLINT(google-explicit-constructor)
    Param(const char* v) : value_(std::string(v)) {}       // NOLINT(google-explicit-constructor)
    Param(const std::optional<std::int64_t>& v)            // NOLINT(google-explicit-constructor)
        : value_(v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt) {}

    const char* c_str() const { return value_ ? value_->c_str() : nullptr; }

  private:
    std::optional<std::string> value_;
};

// The rows of one statement. Row and column indexes start at 0.
class Result {
  public:
    explicit Result(PGresult* res) : res_(res) {}

    int rows() const { return PQntuples(res_.get()); }
    bool empty() const { return rows() == 0; }
    // Rows changed by INSERT/UPDATE/DELETE.
    std::int64_t affected() const;

    bool is_null(int row, int column) const;
    std::string text(int row, int column) const;    // "" for NULL
    std::int64_t int64(int row, int column) const;  // 0 for NULL
    std::optional<std::int64_t> optional_int64(int row, int column) const;
    bool boolean(int row, int column) const;  // PostgreSQL's "t"/"f", or an integer

  private:
    std::unique_ptr<PGresult, ResultCloser> res_;
};

class Connection {
  public:
    // Connects with a libpq connection string (key=value or postgresql:// URI; several
    // hosts and target_session_attrs=read-write work). `application_name` (when not
    // empty) names the writer in pg_stat_activity and in the change log (the nodes).
    // Throws PgError.
    static Connection open(const std::string& conninfo, const std::string& application_name = {});

    // One statement with parameters $1, $2, ...; throws PgError unless it succeeded.
    Result exec(std::string_view sql, std::initializer_list<Param> params = {});
    // Several statements without parameters (migrations, BEGIN/COMMIT).
    void exec_script(std::string_view sql);
    // exec for a statement whose failure is an expected outcome (a unique violation
    // mapped to Duplicate): inside a transaction it runs under a savepoint, so a failure
    // leaves the transaction usable (PostgreSQL aborts the whole transaction otherwise).
    Result exec_guarded(std::string_view sql, std::initializer_list<Param> params = {});
    // Whether a transaction is open on this connection (BEGIN without COMMIT yet).
    bool in_transaction() const;

    PGconn* get() const { return conn_.get(); }
    bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
    // How often a lost connection was opened again (before a statement, outside any
    // transaction; see reconnect_if_lost).
    std::uint64_t reconnects() const { return reconnects_; }

  private:
    explicit Connection(PGconn* conn) : conn_(conn) {}
    Result checked(PGresult* res, std::string_view sql);
    bool reconnect_if_lost(std::string_view sql);

    std::unique_ptr<PGconn, ConnCloser> conn_;
    bool open_transaction_ = false;  // after the last statement that succeeded
    std::uint64_t reconnects_ = 0;
};

}  // namespace warden::store::pg

#include "daemon/store/pg_handles.hpp"

#include <charconv>
#include <vector>

namespace warden::store::pg {
namespace {

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::int64_t to_int64(const char* text) {
    std::int64_t v = 0;
    const char* end = text + std::char_traits<char>::length(text);
    const auto [ptr, ec] = std::from_chars(text, end, v);
    if (ec != std::errc() || ptr != end)
        throw PgError("22P02", std::string("not an integer: ") + text);
    return v;
}

}  // namespace

std::int64_t Result::affected() const {
    const char* n = PQcmdTuples(res_.get());
    return n && *n ? to_int64(n) : 0;
}

bool Result::is_null(int row, int column) const {
    return PQgetisnull(res_.get(), row, column) != 0;
}

std::string Result::text(int row, int column) const {
    if (is_null(row, column)) return {};
    return {PQgetvalue(res_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(res_.get(), row, column))};
}

std::int64_t Result::int64(int row, int column) const {
    return is_null(row, column) ? 0 : to_int64(PQgetvalue(res_.get(), row, column));
}

std::optional<std::int64_t> Result::optional_int64(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return to_int64(PQgetvalue(res_.get(), row, column));
}

bool Result::boolean(int row, int column) const {
    if (is_null(row, column)) return false;
    const std::string v = text(row, column);
    if (v == "t" || v == "true") return true;
    if (v == "f" || v == "false") return false;
    return to_int64(v.c_str()) != 0;
}

Connection Connection::open(const std::string& conninfo, const std::string& application_name) {
    // A host that does not answer must not hold wardend for libpq's default (forever):
    // 5 s unless the connection string says otherwise (it is expanded after, so it wins).
    // The application name comes after it: the node's name wins over the string's.
    const char* keywords[] = {"connect_timeout", "dbname",
                              application_name.empty() ? nullptr : "application_name", nullptr};
    const char* values[] = {"5", conninfo.c_str(), application_name.c_str(), nullptr};
    Connection c(PQconnectdbParams(keywords, values, 1));
    if (!c.conn_) throw PgError("", "postgresql: out of memory");
    if (PQstatus(c.conn_.get()) != CONNECTION_OK)
        throw PgError("", "postgresql: " + trimmed(PQerrorMessage(c.conn_.get())));
    return c;
}

// A lost connection (server restarted, failover) is opened again before the next
// statement, never inside a transaction: what ran of it is gone with the connection, so
// the rest must fail too until the caller's ROLLBACK, which then has nothing to undo.
// True when `sql` still has to run.
bool Connection::reconnect_if_lost(std::string_view sql) {
    // A server that restarted closed this idle connection, but libpq learns of it only by
    // reading: do so now (it does not block), so the statement goes to a new connection
    // instead of failing on the old one. Inside a transaction the loss is the caller's.
    // The first read takes the server's goodbye (a FATAL message), the second its EOF.
    for (int i = 0; i < 2 && !open_transaction_ && PQstatus(conn_.get()) == CONNECTION_OK; ++i)
        PQconsumeInput(conn_.get());
    if (PQstatus(conn_.get()) == CONNECTION_OK) return true;
    if (open_transaction_) {
        if (sql == "ROLLBACK") {
            open_transaction_ = false;
            return false;
        }
        throw PgError("08003", "postgresql: connection lost in a transaction");
    }
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw PgError("08006",
                      "postgresql: not connected: " + trimmed(PQerrorMessage(conn_.get())));
    ++reconnects_;
    return true;
}

Result Connection::checked(PGresult* res, std::string_view sql) {
    Result result(res);
    const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        open_transaction_ = PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
        return result;
    }
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string what = trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_.get()));
    if (what.empty()) what = trimmed(PQerrorMessage(conn_.get()));
    throw PgError(state ? state : "",
                  "postgresql: " + what + " (in: " + std::string(sql.substr(0, 80)) + ")");
}

Result Connection::exec(std::string_view sql, std::initializer_list<Param> params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    const std::string text(sql);
    if (!reconnect_if_lost(sql)) return Result(nullptr);
    return checked(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0),
                   sql);
}

Result Connection::exec_guarded(std::string_view sql, std::initializer_list<Param> params) {
    if (!in_transaction()) return exec(sql, params);
    exec_script("SAVEPOINT warden_guard");
    try {
        Result result = exec(sql, params);
        exec_script("RELEASE SAVEPOINT warden_guard");
        return result;
    } catch (const PgError&) {
        exec_script("ROLLBACK TO SAVEPOINT warden_guard; RELEASE SAVEPOINT warden_guard");
        throw;
    }
}

bool Connection::in_transaction() const {
    return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
}

void Connection::exec_script(std::string_view sql) {
    const std::string text(sql);
    if (!reconnect_if_lost(sql)) return;
    checked(PQexec(conn_.get(), text.c_str()), sql);
}

}  // namespace warden::store::pg

#include "daemon/store/pg_savepoint.hpp"

namespace warden::store::pg {

Result exec_in_savepoint(Connection& conn, std::string_view sql,
                         std::initializer_list<Param> params) {
    // Outside a transaction block the statement is its own transaction: nothing to keep.
    if (PQtransactionStatus(conn.get()) != PQTRANS_INTRANS) return conn.exec(sql, params);
    conn.exec_script("SAVEPOINT warden_statement");
    try {
        Result result = conn.exec(sql, params);
        conn.exec_script("RELEASE SAVEPOINT warden_statement");
        return result;
    } catch (const PgError&) {
        // A lost connection cannot roll back; the statement's own error is the one to report.
        try {
            conn.exec_script(
                "ROLLBACK TO SAVEPOINT warden_statement; RELEASE SAVEPOINT warden_statement");
        } catch (const PgError&) {
        }
        throw;
    }
}

}  // namespace warden::store::pg

// A statement that may fail on a constraint, run so that the failure does not spoil the
// caller's transaction. In PostgreSQL an error aborts the whole transaction block (every
// later statement fails until ROLLBACK); in SQLite it undoes only the statement. The store
// turns some constraint errors into Outcomes (a full license), so those statements run in
// a savepoint of their own when a transaction is open.
#pragma once

#include "daemon/store/pg_handles.hpp"

namespace warden::store::pg {

// Like Connection::exec; on PgError the statement's effects are undone, the open
// transaction (if any) stays usable, and the error is rethrown.
Result exec_in_savepoint(Connection& conn, std::string_view sql,
                         std::initializer_list<Param> params = {});

}  // namespace warden::store::pg

# Every SQLite migration schema/NNN_name.sql has its PostgreSQL twin schema/pg/NNN_name.sql
# and the other way round (issue 14: both backends on the same schema versions).
# Run: cmake -DSCHEMA_DIR=<repo>/schema -P pg_schema_twins.cmake
cmake_policy(SET CMP0057 NEW)  # if(IN_LIST) in script mode
file(GLOB sqlite_files RELATIVE ${SCHEMA_DIR} ${SCHEMA_DIR}/[0-9][0-9][0-9]_*.sql)
file(GLOB pg_files RELATIVE ${SCHEMA_DIR}/pg ${SCHEMA_DIR}/pg/[0-9][0-9][0-9]_*.sql)
set(missing "")
foreach(f ${sqlite_files})
  if(NOT f IN_LIST pg_files)
    string(APPEND missing " schema/pg/${f}")
  endif()
endforeach()
foreach(f ${pg_files})
  if(NOT f IN_LIST sqlite_files)
    string(APPEND missing " schema/${f}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "migration twins missing:${missing}")
endif()
list(LENGTH sqlite_files n)
message(STATUS "pg_schema_twins: ${n} migrations, each in both dialects")

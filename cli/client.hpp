// wardenctl's side of the admin protocol: one JSON request line, one JSON reply line.
#pragma once

#include <boost/json.hpp>

#include <string>

#include "common/admin_codes.hpp"

namespace warden::cli {

namespace json = boost::json;

// Documented exit codes (SPEC §13), from the table shared with wardend.
using admin::Exit;
using enum admin::Exit;

struct Response {
    int exit_code = kDone;
    json::value result;   // on success
    std::string message;  // on failure
};

// Sends {"command": command, "args": args} to the daemon at `socket_path`. With
// `attach_fd` >= 0 the descriptor travels with the request (SCM_RIGHTS), for commands
// that write into a file the caller opened (backup).
Response call(const std::string& socket_path, const std::string& command, const json::object& args,
              int timeout_ms = 30000, int attach_fd = -1);

}  // namespace warden::cli

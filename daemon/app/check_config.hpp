// `wardend --check-config [--config F]` (the unit's ExecStartPre=): is the file valid, and
// is the state it names there? Reads, never writes.
#pragma once

#include <string>

namespace warden::app {

// "" when wardend could start with this file, else the reason (one line).
std::string check_config(const std::string& path);

}  // namespace warden::app

// wardend's object graph: builds every subsystem from the config and runs the event
// loop until SIGTERM/SIGINT. Owns nothing clever; each part is tested on its own.
#pragma once

#include <memory>
#include <string>

#include "daemon/core/config.hpp"

namespace warden::app {

// Runs the daemon; returns the process exit code. SIGHUP re-reads `config_path` into
// `config` (the reloadable keys, see core/config_reload.hpp).
int run_daemon(core::Config& config, const std::string& config_path = {});

}  // namespace warden::app

// wardend's object graph: builds every subsystem from the config and runs the event
// loop until SIGTERM/SIGINT. Owns nothing clever; each part is tested on its own.
#pragma once

#include <memory>

#include "daemon/core/config.hpp"

namespace warden::app {

// Runs the daemon; returns the process exit code.
int run_daemon(const core::Config& config);

}  // namespace warden::app

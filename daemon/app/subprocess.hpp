// Runs a helper program (here: iproute2's `ip`) with input on stdin and its output
// captured. Used where no Debian library does the job: kernel routes have no library in
// our dependency set, and a route change is a rare admin event, not a per-packet cost.
#pragma once

#include <string>
#include <vector>

namespace warden::app {

struct ProcessResult {
    int exit_code = -1;  // -1: could not start, or killed by a signal
    std::string out;     // stdout
    std::string err;     // stderr
};

// argv[0] is looked up in PATH. Blocks until the program exits.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {});

}  // namespace warden::app

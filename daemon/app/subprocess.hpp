// Runs a helper program (here: iproute2's `ip`) with input on stdin and its output
// captured. Used where no Debian library does the job: kernel routes have no library in
// our dependency set, and a route change is a rare admin event, not a per-packet cost.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace warden::app {

struct ProcessResult {
    int exit_code = -1;      // -1: could not start, killed by a signal, or timed out
    bool timed_out = false;  // ran past the bound and was killed
    std::string out;         // stdout
    std::string err;         // stderr
};

// The daemon runs this on its event loop: a hung `ip` (netlink stuck, a wedged NFS
// PATH entry) must not freeze verdicts, so the child gets this long and is then killed.
inline constexpr std::chrono::milliseconds kProcessTimeout{2000};

// argv[0] is looked up in PATH. Blocks until the program exits or `timeout` has passed;
// then the child and anything it started (its own process group) are killed with SIGKILL,
// reaped, and the result says timed_out (exit_code -1).
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          std::chrono::milliseconds timeout = kProcessTimeout);

}  // namespace warden::app

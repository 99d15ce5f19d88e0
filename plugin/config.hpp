// Arguments of the `plugin` directive:
//
//   plugin openvpn-plugin-warden.so socket=/run/warden/plugin.sock [instance=NAME]
//          [budget_ms=20] [timeout_s=10] [daemon_wait_s=10] [prefetch=1]
//
// budget_ms: how long OpenVPN's thread waits for a verdict before deferring it. wardend
// answers in ~0.1 ms, but a deferral costs the client OpenVPN's ~1 s retry, and on a busy
// 2-core host a woken wardend can wait several ms for a core: with 2 ms, 2-15 of 200
// storm clients and 4 of 9 single connects on an idle test VM were deferred; with 20 ms
// none (bench/RESULTS.md). The wait only runs that long while wardend is slow.
//
// daemon_wait_s: while wardend is away (restarting), a request that can be deferred is
// queued for up to this long and sent once the link is back; past it the client is
// refused. 0 refuses at once. Capped well inside OpenVPN's hand-window (60 s).
//
// prefetch: at TLS verification of a client certificate the plugin asks wardend for the
// verdict its CLIENT_CONNECT will need, so that call is answered at once when nothing
// changed meanwhile (wardend tells the plugin when something did); OpenVPN's thread then
// does not sleep on a round trip per connect. 0 turns it off (every CLIENT_CONNECT asks).
//
// A bad argument is a configuration error: open fails and OpenVPN does not start,
// which is better than a server that admits nobody (or everybody) for a typo.
#pragma once

#include <chrono>
#include <string>

namespace warden::plugin {

struct Config {
    std::string socket_path;                       // daemon's plugin socket (required)
    std::string instance = "default";              // which OpenVPN instance we are
    std::chrono::microseconds budget{20000};       // longest wait on OpenVPN's thread
    std::chrono::milliseconds timeout{10000};      // deferred verdict deadline
    std::chrono::milliseconds daemon_wait{10000};  // queue while the daemon is away
    bool prefetch = true;                          // connect verdicts asked at TLS verify
};

// Parses argv[1..] (argv[0] is the library path; the array ends with nullptr).
// Returns an error text naming the argument, empty on success.
std::string parse_config(const char* const* argv, Config& out);

}  // namespace warden::plugin

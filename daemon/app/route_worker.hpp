// Runs KernelRoutes::sync on a thread of its own, off the event loop.
//
// Every sync starts `ip` (fork + exec; 2-5 ms on an idle host, up to 150 ms measured on a
// loaded one). On the event loop that held every plugin request waiting behind it past
// the plugin's 2 ms budget, and each such client lost OpenVPN's ~1 s deferral cycle
// (bench/RESULTS.md, issue 13). Requests coalesce: while one sync runs, only the latest
// wanted set waits, so a burst of admin writes costs at most two syncs.
#pragma once

#include <condition_variable>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/lock_guarded.hpp"
#include "daemon/app/kernel_routes.hpp"

namespace warden::app {

class RouteWorker {
  public:
    // Called on the worker thread after each sync: hand the result to the event loop.
    using Done = std::function<void(KernelRoutes::Result)>;

    RouteWorker(std::string device, Done done);
    ~RouteWorker();  // lets a sync under way finish; a waiting one is dropped
    RouteWorker(const RouteWorker&) = delete;
    RouteWorker& operator=(const RouteWorker&) = delete;

    // Brings the routes to `wanted` soon (replaces a request not started yet).
    void request(std::vector<core::RoutedNetwork> wanted);

  private:
    struct Shared {
        std::optional<std::vector<core::RoutedNetwork>> next;
        bool stopping = false;
    };

    void run();

    KernelRoutes routes_;  // the worker thread's only
    Done done_;
    LockGuarded<Shared> shared_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace warden::app

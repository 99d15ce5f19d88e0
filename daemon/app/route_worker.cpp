#include "daemon/app/route_worker.hpp"

#include "common/log.hpp"

namespace warden::app {

RouteWorker::RouteWorker(std::string device, Done done)
    : routes_(std::move(device)), done_(std::move(done)), thread_([this] { run(); }) {}

RouteWorker::~RouteWorker() {
    shared_.lock()->stopping = true;
    wake_.notify_one();
    thread_.join();
}

void RouteWorker::request(std::vector<core::RoutedNetwork> wanted) {
    shared_.lock()->next = std::move(wanted);
    wake_.notify_one();
}

void RouteWorker::run() {
    for (;;) {
        std::vector<core::RoutedNetwork> wanted;
        {
            auto shared = shared_.lock();
            shared.wait(wake_, [](const Shared& s) { return s.stopping || s.next.has_value(); });
            if (shared->stopping) return;
            wanted = std::move(*shared->next);
            shared->next.reset();
        }
        KernelRoutes::Result result = KernelRoutes::Result::Failed;
        try {
            result = routes_.sync(wanted);
        } catch (const std::exception& e) {  // bad_alloc, json: retried like any failure
            log::error("route sync failed", {{"error", e.what()}});
        }
        done_(result);
    }
}

}  // namespace warden::app

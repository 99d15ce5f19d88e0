#include "daemon/firewall/sweeper.hpp"

#include <chrono>
#include <cstdio>

#include "common/log.hpp"

namespace warden::firewall {

BackgroundCutter::BackgroundCutter(std::unique_ptr<FlowCutter> inner, std::string table)
    : inner_(std::move(inner)), table_(std::move(table)), thread_([this] { run(); }) {}

BackgroundCutter::~BackgroundCutter() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

CutResult BackgroundCutter::cut(const std::function<bool(const Flow&)>& keep) {
    {
        std::lock_guard lock(mutex_);
        pending_ = keep;  // replaces an older one not started yet: the newer judge decides
    }
    wake_.notify_one();
    return {};
}

void BackgroundCutter::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return !pending_ && !busy_; });
}

void BackgroundCutter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || pending_; });
        if (stop_) return;
        auto keep = std::move(*pending_);
        pending_.reset();
        busy_ = true;
        lock.unlock();
        const auto started = std::chrono::steady_clock::now();
        const auto result = inner_->cut(keep);
        cut_total_ += result.cut;
        char ms[32];
        std::snprintf(
            ms, sizeof ms, "%.1f",
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count());
        if (!result.ok())
            log::error("firewall flow cut failed", {{"table", table_}, {"error", result.error}});
        if (result.cut > 0 || !result.ok())
            log::info("firewall flows cut", {{"table", table_},
                                             {"seen", std::to_string(result.seen)},
                                             {"cut", std::to_string(result.cut)},
                                             {"ms", ms}});
        lock.lock();
        busy_ = false;
        idle_.notify_all();
    }
}

}  // namespace warden::firewall

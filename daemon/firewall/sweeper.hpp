// The flow sweep off the event loop: listing every conntrack entry after a change costs
// tens of ms with 20 000 flows, more than one rule change may take (SPEC: 50 ms). The
// Firewall hands each sweep to this thread and returns; a sweep asked for while one runs
// is merged into the next (only the newest ruleset's judge counts: it is what the kernel
// holds). What was cut shows in cut_total() and in one log line per sweep.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/firewall/conntrack.hpp"

namespace warden::firewall {

class BackgroundCutter final : public FlowCutter {
  public:
    BackgroundCutter(std::unique_ptr<FlowCutter> inner, std::string table);
    ~BackgroundCutter() override;
    BackgroundCutter(const BackgroundCutter&) = delete;
    BackgroundCutter& operator=(const BackgroundCutter&) = delete;

    // Queues the sweep and returns at once (seen = cut = 0): `keep` must own what it uses.
    CutResult cut(const std::function<bool(const Flow&)>& keep) override;
    std::size_t cut_total() const override { return cut_total_.load(); }
    // Blocks until no sweep is queued or running (tests and benches).
    void wait_idle();

  private:
    void run();

    std::unique_ptr<FlowCutter> inner_;
    std::string table_;
    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::optional<std::function<bool(const Flow&)>> pending_;
    bool busy_ = false;
    bool stop_ = false;
    std::atomic<std::size_t> cut_total_{0};
    std::thread thread_;  // last: started when everything it uses exists
};

}  // namespace warden::firewall

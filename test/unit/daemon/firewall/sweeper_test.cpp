// BackgroundCutter: a sweep runs on its own thread, cut() returns before it finishes, a
// sweep asked for while one runs is merged into one with the newest judge.
#include <catch2/catch.hpp>

#include <future>

#include "daemon/firewall/sweeper.hpp"

using namespace warden::firewall;

namespace {

// Flows as conntrack lists them; the first sweep waits until `release` is set.
struct GatedConntrack : FlowCutter {
    std::vector<Flow> flows;
    std::size_t sweeps = 0;
    std::promise<void> started;
    std::shared_future<void> release;
    CutResult cut(const std::function<bool(const Flow&)>& keep) override {
        if (sweeps++ == 0) {
            started.set_value();
            release.wait();
        }
        CutResult r;
        r.seen = flows.size();
        std::erase_if(flows, [&](const Flow& f) { return !keep(f) && ++r.cut; });
        return r;
    }
};

}  // namespace

TEST_CASE("sweeper: cut() returns at once, the sweep runs behind it, queued ones merge") {
    std::promise<void> release;
    auto inner = std::make_unique<GatedConntrack>();
    auto* conntrack = inner.get();
    conntrack->release = release.get_future().share();
    auto started = conntrack->started.get_future();
    conntrack->flows = {{1, 2, 6, 80}, {1, 2, 6, 443}, {3, 4, 17, 53}};
    BackgroundCutter cutter(std::move(inner), "t");

    // The first sweep blocks inside the inner cutter; cut() has returned already.
    CHECK(cutter.cut([](const Flow&) { return true; }).cut == 0);
    REQUIRE(started.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    // Two more while it runs: only the newer judge is used, in one sweep.
    cutter.cut([](const Flow&) { return false; });
    cutter.cut([](const Flow& f) { return f.dst_port != 443; });
    release.set_value();
    cutter.wait_idle();
    CHECK(conntrack->sweeps == 2);
    CHECK(conntrack->flows.size() == 2);
    CHECK(cutter.cut_total() == 1);
}

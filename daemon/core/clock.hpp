// The daemon's one wall clock. Everything that depends on the time of day (certificate
// and license expiry, lockouts, time-restricted access) reads it here, so tests can move
// it forward through the `testing.clock` admin command instead of waiting. Components
// hold a reference to the daemon's one Clock, never a copy: an advance moves all of them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace warden::core {

class Clock {
  public:
    using Source = std::function<std::int64_t()>;

    // `source` gives the real time in Unix seconds (std::time by default); tests pass
    // one that reads a variable they set.
    explicit Clock(Source source = {});
    Clock(const Clock&) = delete;  // a copy would not see advance() on the original
    Clock& operator=(const Clock&) = delete;

    // Unix seconds: the real time plus whatever tests advanced it by. Safe from any
    // thread.
    std::int64_t now() const;

    // Tests only: moves the clock forward and tells every on_jump listener, so timers
    // armed for a wall-clock moment re-arm. Call on the daemon's loop.
    void advance(std::int64_t seconds);
    std::int64_t offset() const { return offset_.load(std::memory_order_relaxed); }

    // Called after every advance().
    void on_jump(std::function<void()> listener);

  private:
    Source source_;
    std::atomic<std::int64_t> offset_{0};
    std::vector<std::function<void()>> listeners_;
};

}  // namespace warden::core

// The daemon's one wall clock. Everything that depends on the time of day (certificate
// and license expiry, lockouts, time-restricted access) reads it here, so tests can move
// it forward through the `testing.clock` admin command instead of waiting.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace warden::core {

class Clock {
  public:
    using Source = std::function<std::int64_t()>;

    // `source` gives the real time in Unix seconds (std::time by default).
    explicit Clock(Source source = {});

    // Unix seconds: the real time plus whatever tests advanced it by.
    std::int64_t now() const;

    // Tests only: moves the clock forward and tells every on_jump listener, so timers
    // armed for a wall-clock moment re-arm. Not thread-safe: call on the daemon's loop.
    void advance(std::int64_t seconds);
    std::int64_t offset() const { return offset_; }

    // Called after every advance().
    void on_jump(std::function<void()> listener);

    // A callable that reads this clock (for code that takes a plain time source).
    Source source() const {
        return [this] { return now(); };
    }

  private:
    Source source_;
    std::int64_t offset_ = 0;
    std::vector<std::function<void()>> listeners_;
};

}  // namespace warden::core

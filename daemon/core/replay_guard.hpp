// The TOTP replay guard in memory: a code's time step is marked used the moment its
// login is accepted, so a second login with the same code is refused at once, before
// the store has the step (LoginService writes it right after the reply, see there).
//
// The store's totp.last_step stays the durable copy; the guard answers with the larger of
// it and what it saw since the start. A step accepted just before a crash may be missing
// from the store, so after a start: for devices whose TOTP was confirmed before it, steps
// up to step_of(start) + 1 count as used until start + 90 s. By then every such step is
// outside the window match() accepts (now's step +- 1), so nothing is refused for longer.
//
// Pure: no store, no clock; single-threaded (the daemon's event loop).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace warden::core {

class ReplayGuard {
  public:
    static constexpr std::int64_t kCrashGraceSeconds = 90;

    // `started_at`: when the daemon started, on its clock.
    explicit ReplayGuard(std::int64_t started_at);

    // What the guard knows of a device's TOTP, as the store has it.
    struct Stored {
        std::int64_t last_step = 0;
        std::optional<std::int64_t> confirmed_at;
    };

    // The highest step that counts as used for `device_id` at `now`.
    std::int64_t last_used(std::int64_t device_id, const Stored& stored, std::int64_t now) const;
    // Marks `step` used; false (nothing changes) when it is not above last_used().
    bool use(std::int64_t device_id, std::int64_t step, const Stored& stored, std::int64_t now);

    // Drops entries no code can match any more (steps before now's window).
    void prune(std::int64_t now);
    std::size_t size() const { return used_.size(); }

  private:
    std::int64_t started_at_;
    std::int64_t crash_floor_;                             // step_of(started_at) + 1
    std::unordered_map<std::int64_t, std::int64_t> used_;  // device id -> last step accepted
};

}  // namespace warden::core

#include "daemon/app/release_watch.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "daemon/core/time_restriction.hpp"
#include "daemon/core/time_text.hpp"
#include "daemon/tr/tr_mail.hpp"

namespace warden::app {

ReleaseWatch::ReleaseWatch(boost::asio::io_context& io, store::Store& store,
                           control::SessionControl& sessions, const core::Clock& clock,
                           std::function<void()> ended)
    : timer_(io), store_(store), sessions_(sessions), clock_(clock), ended_(std::move(ended)) {}

void ReleaseWatch::stop() {
    ++generation_;
    timer_.cancel();
}

// The daemon's clock counts whole seconds of the real clock (std::time) plus whole-second
// test advances: waiting whole seconds from `now` would end a release up to a second
// late, so the wait runs to the millisecond the real clock reaches the end. std::time
// may lag the precise clock by a few ms at a second's turn: the timer then fires a hair
// early, finds nothing due and waits 1 ms more. A clock source that is not the real time
// (tests) gets whole-second waits.
std::chrono::milliseconds ReleaseWatch::wait_until(std::int64_t at, std::int64_t now) const {
    const std::int64_t real_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    const std::int64_t source_now = now - clock_.offset();
    const std::int64_t real_s = real_ms / 1000;
    const bool real_source = real_s == source_now || real_s == source_now + 1;
    const std::int64_t from_ms = real_source ? real_ms : source_now * 1000;
    const std::int64_t wait = (at - clock_.offset()) * 1000 - from_ms;
    return std::chrono::milliseconds(std::clamp<std::int64_t>(wait, 1, kMaxWaitSeconds * 1000));
}

void ReleaseWatch::rearm() {
    ++generation_;
    timer_.cancel();
    const std::int64_t now = clock_.now();
    auto wait = std::chrono::milliseconds(kMaxWaitSeconds * 1000);
    try {
        std::vector<std::int64_t> pending;
        bool any_ended = false;
        for (const auto& t : store_.all_tr_settings()) {
            if (!t.released_until || t.release_noted) continue;
            if (*t.released_until <= now) {
                end_release(t, now);
                any_ended = true;
            } else {
                pending.push_back(*t.released_until);
            }
        }
        if (any_ended) ended_();
        const auto next = core::next_release_end(pending);
        if (!next) return;
        wait = wait_until(*next, now);
    } catch (const std::exception& e) {
        // The store failed (disk?): try again later rather than take the daemon down.
        log::error("release check failed", {{"error", e.what()}});
        wait = std::chrono::seconds(5);
    }
    timer_.expires_after(wait);
    timer_.async_wait([this, g = generation_](boost::system::error_code ec) {
        if (ec || g != generation_) return;
        rearm();
    });
}

void ReleaseWatch::end_release(const store::TrSettings& t, std::int64_t now) {
    const auto device = store_.find_device(t.device_id);
    const std::string name = device ? device->name : std::to_string(t.device_id);
    const std::size_t ended = sessions_.end_sessions_of_device(t.device_id, kReleaseEnded);
    store_.transaction([&] {
        store_.note_tr_release_end(t.device_id);
        store_.log_activity({0, now, "wardend", "tr.ended", name,
                             "released_until=" + core::iso_utc(*t.released_until) +
                                 " sessions_ended=" + std::to_string(ended)});
    });
    log::info("tr release ended", {{"device", name},
                                   {"released_until", core::iso_utc(*t.released_until)},
                                   {"sessions_ended", std::to_string(ended)}});
}

}  // namespace warden::app

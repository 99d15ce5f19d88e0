#include "daemon/app/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include "common/log.hpp"
#include "daemon/core/service_state.hpp"

namespace warden::app {
namespace {

// STATUS= changes with devices and sessions; systemctl status needs no finer grain.
constexpr auto kStatusInterval = std::chrono::seconds(5);

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io, std::function<std::string()> status)
    : watchdog_timer_(io), status_timer_(io), status_(std::move(status)) {
    std::uint64_t usec = 0;
    // > 0: systemd expects pings (WATCHDOG_USEC set, WATCHDOG_PID ours or unset).
    if (::sd_watchdog_enabled(0, &usec) > 0)
        watchdog_interval_ = core::watchdog_ping_interval(usec);
}

void SystemdNotifier::ready() {
    last_status_ = status_();
    send("READY=1\nSTATUS=" + last_status_);
    if (running_) return;  // after a reload: the timers run already
    running_ = true;
    if (watchdog_interval_.count() > 0) {
        log::info("systemd watchdog on",
                  {{"ping_ms", std::to_string(watchdog_interval_.count() / 1000)}});
        send("WATCHDOG=1");
        schedule_watchdog();
    }
    schedule_status();
}

void SystemdNotifier::reloading() {
    send(core::reloading_message(monotonic_usec()) + "\nSTATUS=reloading the configuration");
}

void SystemdNotifier::stopping() {
    running_ = false;
    watchdog_timer_.cancel();
    status_timer_.cancel();
    send("STOPPING=1\nSTATUS=stopping");
}

void SystemdNotifier::refresh_status() {
    std::string now = status_();
    if (now == last_status_) return;
    last_status_ = std::move(now);
    send("STATUS=" + last_status_);
}

// Pinged from the event loop itself: only a loop that still turns keeps wardend alive.
void SystemdNotifier::schedule_watchdog() {
    watchdog_timer_.expires_after(watchdog_interval_);
    watchdog_timer_.async_wait([this](auto ec) {
        if (ec || !running_) return;
        send("WATCHDOG=1");
        schedule_watchdog();
    });
}

void SystemdNotifier::schedule_status() {
    status_timer_.expires_after(kStatusInterval);
    status_timer_.async_wait([this](auto ec) {
        if (ec || !running_) return;
        schedule_status();  // first: the status reads the store, which may be away
        refresh_status();
    });
}

void SystemdNotifier::send(const std::string& message) {
    ::sd_notify(0, message.c_str());  // < 0 or 0: no service manager listening, nothing to do
}

}  // namespace warden::app

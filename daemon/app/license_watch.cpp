#include "daemon/app/license_watch.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "daemon/core/licensing.hpp"

namespace warden::app {

LicenseWatch::LicenseWatch(boost::asio::io_context& io, store::Store& store,
                           control::SessionControl& sessions, const core::Clock& clock)
    : timer_(io), store_(store), sessions_(sessions), clock_(clock) {}

void LicenseWatch::stop() {
    ++generation_;
    timer_.cancel();
}

void LicenseWatch::rearm() {
    ++generation_;
    timer_.cancel();
    const std::int64_t now = clock_.now();
    std::int64_t wait = kMaxWaitSeconds;
    try {
        auto licenses = store_.list_licenses();
        for (auto& l : licenses) {
            if (core::due_expiries({l}, now).empty()) continue;
            expire(l, now);
            l.expiry_noted_at = now;
        }
        const auto next = core::next_expiry(licenses);
        if (!next) return;
        wait = std::clamp<std::int64_t>(*next - now, 1, kMaxWaitSeconds);
    } catch (const std::exception& e) {
        // The store failed (disk?): try again later rather than take the daemon down.
        log::error("license check failed", {{"error", e.what()}});
    }
    timer_.expires_after(std::chrono::seconds(wait));
    timer_.async_wait([this, g = generation_](boost::system::error_code ec) {
        if (ec || g != generation_) return;
        rearm();
    });
}

void LicenseWatch::expire(const store::License& license, std::int64_t now) {
    const auto devices = store_.devices_with_license(license.id);
    std::size_t ended = 0;
    for (const auto id : devices) ended += sessions_.end_sessions_of_device(id, "license expired");
    const std::string details =
        "devices=" + std::to_string(devices.size()) + " sessions_ended=" + std::to_string(ended);
    store_.transaction([&] {
        store_.note_license_expiry(license.id, now);
        store_.log_activity({0, now, "wardend", "license.expire", license.name, details});
    });
    log::info("license expired", {{"license", license.name},
                                  {"devices", std::to_string(devices.size())},
                                  {"sessions_ended", std::to_string(ended)}});
}

}  // namespace warden::app

#include "daemon/app/availability_watch.hpp"

#include <algorithm>
#include <map>

#include "common/log.hpp"

namespace warden::app {

AvailabilityWatch::AvailabilityWatch(boost::asio::io_context& io, store::Store& store,
                                     const core::Config& config, const core::Clock& clock,
                                     const std::optional<control::MailOutbox>& mail)
    : timer_(io),
      store_(store),
      config_(config),
      clock_(clock),
      mail_(mail),
      rules_(config.monitor.offline_after) {}

void AvailabilityWatch::start(bool rebuild_follows) {
    stopped_ = false;
    try {
        std::map<std::int64_t, std::int64_t> alerted;  // device id -> outage start
        for (const auto& a : store_.offline_alerts()) alerted[a.device_id] = a.offline_since;
        std::vector<core::StoredAvailability> devices;
        for (const auto& d : store_.list_devices()) {
            auto it = alerted.find(d.id);
            // Alerted: its recovery alert is owed even if it is no longer monitored.
            if (it == alerted.end() && (!d.monitor || !d.active)) continue;
            devices.push_back(
                {d.id, d.state == store::DeviceState::Online, d.state_since, d.created_at,
                 it == alerted.end() ? std::nullopt : std::optional<std::int64_t>(it->second)});
        }
        rules_.restore(devices, clock_.now(), rebuild_follows);
        log::info("availability watch started",
                  {{"devices", std::to_string(devices.size())},
                   {"alerted", std::to_string(alerted.size())},
                   {"offline_after", std::to_string(config_.monitor.offline_after)},
                   {"rebuild", rebuild_follows ? "management" : "none"}});
    } catch (const std::exception& e) {
        log::error("availability restore failed", {{"error", e.what()}});
    }
    rearm();
}

void AvailabilityWatch::stop() {
    stopped_ = true;
    ++generation_;
    timer_.cancel();
}

void AvailabilityWatch::state_changed(std::int64_t device_id, store::DeviceState state,
                                      std::int64_t at) {
    if (stopped_) return;
    try {
        if (state == store::DeviceState::Online) {
            if (auto recovery = rules_.went_online(device_id, at)) apply(*recovery);
        } else if (state == store::DeviceState::Offline) {
            rules_.went_offline(device_id, at);
        }
    } catch (const std::exception& e) {
        // The store failed (disk?): the recovery alert is lost, the daemon stays up.
        log::error("availability alert failed", {{"error", e.what()}});
    }
    rearm();
}

void AvailabilityWatch::sessions_listed(const std::vector<control::SessionView>& live,
                                        std::int64_t as_of) {
    if (stopped_) return;
    try {
        const auto devices = live_devices(live);
        const auto recoveries = rules_.rebuilt(devices, as_of);
        for (const auto& recovery : recoveries) apply(recovery);
        log::info("availability rebuilt", {{"live_devices", std::to_string(devices.size())},
                                           {"recovered", std::to_string(recoveries.size())}});
    } catch (const std::exception& e) {
        log::error("availability rebuild failed", {{"error", e.what()}});
    }
    rearm();
}

// Sessions the plugin reported carry their device; older ones (from before a wardend
// restart) are matched by their certificate's common name.
std::set<std::int64_t> AvailabilityWatch::live_devices(
    const std::vector<control::SessionView>& live) {
    std::set<std::int64_t> ids;
    std::map<std::string, std::int64_t> by_common_name;
    bool names_read = false;
    for (const auto& s : live) {
        if (s.device_id) {
            ids.insert(*s.device_id);
            continue;
        }
        if (!names_read) by_common_name = watched_common_names();
        names_read = true;
        if (auto it = by_common_name.find(s.common_name); it != by_common_name.end())
            ids.insert(it->second);
    }
    return ids;
}

// The common names of the certificates of the devices alerts are about (monitored, or
// with an offline alert out): read only when a list has sessions of an earlier wardend.
std::map<std::string, std::int64_t> AvailabilityWatch::watched_common_names() {
    std::set<std::int64_t> alerted;
    for (const auto& a : store_.offline_alerts()) alerted.insert(a.device_id);
    std::map<std::string, std::int64_t> out;
    for (const auto& d : store_.list_devices()) {
        if (!d.monitor && alerted.count(d.id) == 0) continue;
        for (const auto& c : store_.certificates_of(d.id))
            if (!c.revoked_at) out[c.common_name] = d.id;
    }
    return out;
}

void AvailabilityWatch::rearm() {
    ++generation_;
    timer_.cancel();
    if (stopped_) return;
    const std::int64_t now = clock_.now();
    std::int64_t wait = kMaxWaitSeconds;
    try {
        for (const auto& alert : rules_.due(now)) apply(alert);
        const auto next = rules_.next_due();
        if (!next) return;
        wait = std::clamp<std::int64_t>(*next - now, 1, kMaxWaitSeconds);
    } catch (const std::exception& e) {
        // The store failed (disk?): try again later rather than take the daemon down.
        log::error("availability check failed", {{"error", e.what()}});
    }
    timer_.expires_after(std::chrono::seconds(wait));
    timer_.async_wait([this, g = generation_](boost::system::error_code ec) {
        if (ec || g != generation_) return;
        rearm();
    });
}

void AvailabilityWatch::apply(const core::AvailabilityAlert& alert) {
    if (alert.kind == core::AvailabilityAlert::Kind::Offline)
        offline(alert);
    else
        recovered(alert);
}

// Checked when due, not when the device went offline: a device deactivated, deleted or
// no longer monitored meanwhile is not alerted (and then not reported back either).
void AvailabilityWatch::offline(const core::AvailabilityAlert& a) {
    const auto d = store_.find_device(a.device_id);
    if (!d || !d->monitor || !d->active) {
        rules_.dismiss(a.device_id);
        return;
    }
    record(*d, "monitor.offline", control::offline_notice(*d, a.offline_since, a.at), a.at, [&] {
        store_.put_offline_alert({a.device_id, a.offline_since, a.at});
    });
}

void AvailabilityWatch::recovered(const core::AvailabilityAlert& a) {
    const auto d = store_.find_device(a.device_id);
    if (!d) return;  // deleted: its alert row went with it
    record(*d, "monitor.recovered", control::recovered_notice(*d, a.offline_since, a.at), a.at,
           [&] { store_.clear_offline_alert(a.device_id); });
}

void AvailabilityWatch::record(const store::Device& d, const std::string& action,
                               const control::Notice& notice, std::int64_t at,
                               const std::function<void()>& alert_row) {
    const auto to = control::alert_recipient(d, config_);
    std::string mail;
    store_.transaction([&] {
        alert_row();
        std::string error;
        if (!to)
            mail = "none (no device or operator address)";
        else if (!mail_)
            mail = "none ([mail] is off)";
        else if (auto id = mail_->enqueue("alert", *to, notice.subject, notice.body, error))
            mail = "queued to=" + *to + " id=" + std::to_string(*id);
        else
            mail = "refused: " + error;
        store_.log_activity({0, at, "wardend", action, d.name, "mail=" + mail});
    });
    if (mail_ && mail_->wake) mail_->wake();  // now that the row is committed
    log::info(action == "monitor.offline" ? "device offline alert" : "device recovered alert",
              {{"device", d.name}, {"mail", mail}});
}

}  // namespace warden::app

#include "daemon/app/metrics_setup.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "common/log.hpp"
#include "daemon/core/http_settings.hpp"

namespace warden::app {
namespace {

constexpr std::array kDeviceStates = {store::DeviceState::Offline, store::DeviceState::Online,
                                      store::DeviceState::Deactivated,
                                      store::DeviceState::NoLicense};

// Every state with its count, zeros included: a series that appears only once it is
// non-zero breaks rate() and alerts on absent().
std::vector<std::pair<std::string, std::uint64_t>> devices_by_state(store::Store& store) {
    std::array<std::uint64_t, kDeviceStates.size()> counts{};
    for (const auto& [state, count] : store.device_state_counts()) {
        const auto it = std::find(kDeviceStates.begin(), kDeviceStates.end(), state);
        if (it != kDeviceStates.end())
            counts[static_cast<std::size_t>(it - kDeviceStates.begin())] += count;
    }
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (std::size_t i = 0; i < kDeviceStates.size(); ++i)
        out.emplace_back(std::string(store::to_string(kDeviceStates[i])), counts[i]);
    return out;
}

std::vector<std::pair<std::string, std::uint64_t>> pending_by_state(store::Store& store) {
    std::uint64_t pending = 0, update_required = 0;
    for (const auto& p : store.pending_certs())
        ++(p.state == model::PendingState::UpdateRequired ? update_required : pending);
    return {{std::string(model::to_string(model::PendingState::Pending)), pending},
            {std::string(model::to_string(model::PendingState::UpdateRequired)), update_required}};
}

}  // namespace

MetricsCollector::StoreNumbers MetricsCollector::read_store() const {
    StoreNumbers n;
    store::Store& store = *sources_.store;
    n.devices_by_state = devices_by_state(store);
    n.pending_certs = pending_by_state(store);
    if (sources_.mail_enabled) {
        n.mail_queue = store.list_mail(store::MailState::pending).size();
        n.mail_failed = store.list_mail(store::MailState::failed).size();
    }
    for (const auto& e : store.certificate_expiry())
        if (!n.cert_next_expiry || e.not_after < *n.cert_next_expiry)
            n.cert_next_expiry = e.not_after;
    if (sources_.authority)
        if (const auto ca = sources_.authority->ca_cert()) n.ca_not_after = ca->not_after;
    return n;
}

core::MetricsSnapshot MetricsCollector::snapshot() {
    const auto now = std::chrono::steady_clock::now();
    if (!cached_ || now - read_at_ >= kStoreReadInterval) {
        cached_ = read_store();
        read_at_ = now;
    }
    core::MetricsSnapshot s;
    s.version = WARDEN_VERSION;
    s.started_at = sources_.started_at;
    s.verdicts = sources_.verdicts();
    s.logins = sources_.logins();
    s.sessions = sources_.sessions();
    s.plugin_connections = sources_.plugin_connections();
    s.firewall = sources_.firewall();
    const control::CrlStatus crl = sources_.crl();
    s.crl_next_update = crl.next_update;
    s.crl_alarm = !crl.alarm.empty();
    s.devices_by_state = cached_->devices_by_state;
    s.pending_certs = cached_->pending_certs;
    s.mail_queue = cached_->mail_queue;
    s.mail_failed = cached_->mail_failed;
    s.ca_not_after = cached_->ca_not_after;
    s.cert_next_expiry = cached_->cert_next_expiry;
    return s;
}

http::Handler make_metrics_handler(std::shared_ptr<MetricsCollector> collector) {
    return [collector](const http::HttpRequest& req) {
        if (req.path != "/metrics") return http::error_response(404);
        if (req.method == "POST") {
            http::HttpResponse res = http::error_response(405);
            res.headers.emplace_back("Allow", "GET, HEAD");
            return res;
        }
        http::HttpResponse res;
        res.content_type = std::string(core::kMetricsContentType);
        try {
            res.body = core::render_metrics(collector->snapshot());
        } catch (const std::exception& e) {
            // The store could not be read: Prometheus records the scrape as failed (up=0).
            log::error("metrics scrape failed", {{"error", e.what()}});
            return http::error_response(500);
        }
        return res;
    };
}

bool start_metrics(boost::asio::io_context& io, const core::MetricsConfig& config,
                   MetricsSources sources, std::unique_ptr<http::HttpServer>& server) {
    if (core::http_listen_off(config.listen)) return true;
    try {
        auto collector = std::make_shared<MetricsCollector>(std::move(sources));
        server = std::make_unique<http::HttpServer>(io, http::HttpOptions{config.listen, {}},
                                                    make_metrics_handler(std::move(collector)));
        server->start();
    } catch (const std::exception& e) {
        server.reset();
        log::error("wardend not started: the metrics endpoint cannot listen",
                   {{"listen", config.listen},
                    {"error", e.what()},
                    {"hint", "set [metrics] listen to a free address, or \"off\""}});
        return false;
    }
    log::info("metrics listening", {{"listen", config.listen}, {"path", "/metrics"}});
    return true;
}

}  // namespace warden::app

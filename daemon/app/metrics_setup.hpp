// Wiring of the Prometheus metrics (issue 12): [metrics] listen turned into a second
// HttpServer on wardend's event loop (the same Boost.Beast server as the confirmation
// page, its own listener and handler) that answers GET /metrics with core::render_metrics
// of a snapshot taken at the scrape.
//
// The scrape runs on the io thread, between verdicts: the counters are copies of what
// the verdict path keeps (no locks); what only the store knows (devices by state,
// pending certificates, the mail queue, certificate expiry) is read at most once every
// kStoreReadInterval, so scraping often (or several Prometheus) cannot slow verdicts.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "daemon/control/authority.hpp"
#include "daemon/control/services.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/metrics_text.hpp"
#include "daemon/http/server.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

inline constexpr auto kStoreReadInterval = std::chrono::seconds(5);

// Where the numbers come from; each function is called on the io thread at a scrape.
struct MetricsSources {
    std::function<core::VerdictStats()> verdicts;
    std::function<core::LoginCounts()> logins;
    std::function<std::uint64_t()> sessions;
    std::function<std::uint64_t()> plugin_connections;
    std::function<std::optional<core::FirewallMetrics>()> firewall;  // nullopt: disabled
    std::function<control::CrlStatus()> crl;
    store::Store* store = nullptr;
    const control::Authority* authority = nullptr;
    bool mail_enabled = false;
    std::int64_t started_at = 0;
};

// Takes snapshots; keeps the store's part for kStoreReadInterval.
class MetricsCollector {
  public:
    explicit MetricsCollector(MetricsSources sources) : sources_(std::move(sources)) {}
    core::MetricsSnapshot snapshot();

  private:
    struct StoreNumbers {
        std::vector<std::pair<std::string, std::uint64_t>> devices_by_state, pending_certs;
        std::optional<std::uint64_t> mail_queue, mail_failed;
        std::optional<std::int64_t> ca_not_after, cert_next_expiry;
    };
    StoreNumbers read_store() const;

    MetricsSources sources_;
    std::optional<StoreNumbers> cached_;
    std::chrono::steady_clock::time_point read_at_;
};

// The handler: GET/HEAD /metrics -> the exposition; anything else 404 (POST 405).
http::Handler make_metrics_handler(std::shared_ptr<MetricsCollector> collector);

// Starts the listener when [metrics] listen is set (`server` stays empty when "off"):
// false, with one error line logged, when it cannot listen (wardend then refuses to
// start: a monitoring gap the operator asked not to have).
bool start_metrics(boost::asio::io_context& io, const core::MetricsConfig& config,
                   MetricsSources sources, std::unique_ptr<http::HttpServer>& server);

}  // namespace warden::app

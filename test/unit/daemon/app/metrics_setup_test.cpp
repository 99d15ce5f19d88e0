// wardend's metrics wiring (issue 12): off starts nothing, an address in use is refused,
// GET /metrics answers the exposition with Prometheus' content type, other paths 404,
// POST 405.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include "daemon/app/metrics_setup.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

struct Sources {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);

    app::MetricsSources make() {
        app::MetricsSources m;
        m.verdicts = [] {
            core::VerdictStats s;
            s.verdict(core::RequestKind::Connect, true, "");
            return s;
        };
        m.logins = [] { return core::LoginCounts{2, 0}; };
        m.sessions = [] { return std::uint64_t{1}; };
        m.plugin_connections = [] { return std::uint64_t{1}; };
        m.firewall = [] { return std::optional<core::FirewallMetrics>(); };
        m.crl = [] { return control::CrlStatus{1700000000, ""}; };
        m.store = store.get();
        return m;
    }
};

http::HttpRequest get(std::string path, std::string method = "GET") {
    http::HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.peer = "127.0.0.1";
    return r;
}

}  // namespace

TEST_CASE("metrics setup: listen off starts nothing") {
    boost::asio::io_context io;
    Sources src;
    std::unique_ptr<http::HttpServer> server;
    CHECK(app::start_metrics(io, core::MetricsConfig{"off"}, src.make(), server));
    CHECK(server == nullptr);
}

TEST_CASE("metrics setup: listens where configured, refuses an address in use") {
    boost::asio::io_context io;
    Sources src;
    std::unique_ptr<http::HttpServer> first, second;
    REQUIRE(app::start_metrics(io, core::MetricsConfig{"127.0.0.1:0"}, src.make(), first));
    REQUIRE(first);
    const auto port = first->local_endpoint().port();
    CHECK_FALSE(app::start_metrics(io, core::MetricsConfig{"127.0.0.1:" + std::to_string(port)},
                                   src.make(), second));
    CHECK(second == nullptr);
}

TEST_CASE("metrics handler: /metrics in Prometheus text, other paths 404, POST 405") {
    Sources src;
    const auto handler =
        app::make_metrics_handler(std::make_shared<app::MetricsCollector>(src.make()));
    const auto ok = handler(get("/metrics"));
    CHECK(ok.status == 200);
    CHECK(ok.content_type == core::kMetricsContentType);
    CHECK(
        ok.body.find("warden_verdicts_total{kind=\"connect\",outcome=\"allow\",reason=\"\"} 1\n") !=
        std::string::npos);
    CHECK(ok.body.find("warden_devices{state=\"online\"} 0\n") != std::string::npos);
    CHECK(ok.body.find("warden_crl_next_update_timestamp_seconds 1700000000\n") !=
          std::string::npos);
    CHECK(ok.body.find("warden_mail_") == std::string::npos);  // mail off
    CHECK(handler(get("/")).status == 404);
    CHECK(handler(get("/metrics/x")).status == 404);
    CHECK(handler(get("/metrics", "POST")).status == 405);
    CHECK(handler(get("/metrics", "HEAD")).status == 200);
}

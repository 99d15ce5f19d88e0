// The Prometheus text renderer (issue 12): HELP/TYPE for every family, escaped label
// values, the verdict counter by outcome and refusal class, a cumulative histogram, the
// optional families only when their part is on; and promtool's own check of a full
// exposition when promtool is installed (Debian `prometheus`).
#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "daemon/core/config.hpp"
#include "daemon/core/enrollment.hpp"
#include "daemon/core/metrics_text.hpp"
#include "daemon/core/time_restriction.hpp"
#include "daemon/core/verdict_stats.hpp"

using namespace warden::core;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text))
        if (l == line) return true;
    return false;
}

MetricsSnapshot full_snapshot() {
    MetricsSnapshot s;
    s.version = "0.1.0";
    s.started_at = 1700000000;
    s.verdicts.verdict(RequestKind::Auth, true, "");
    s.verdicts.verdict(RequestKind::Connect, true, "");
    s.verdicts.verdict(RequestKind::Connect, false, "certificate not registered");
    s.verdicts.verdict(RequestKind::Auth, false, "locked for another 4m");
    s.verdicts.verdict_error(RequestKind::Auth);
    s.verdicts.verdict_took(std::chrono::microseconds(50));
    s.verdicts.verdict_took(std::chrono::microseconds(1500));
    s.verdicts.verdict_took(std::chrono::seconds(3));
    s.logins = {3, 1};
    s.sessions = 2;
    s.plugin_connections = 1;
    s.devices_by_state = {{"offline", 4}, {"online", 2}, {"deactivated", 0}, {"no-license", 1}};
    s.pending_certs = {{"pending", 1}, {"update-required", 0}};
    s.firewall = FirewallMetrics{5, 1, 0.25, 1700000100, 0, false};
    s.mail_queue = 3;
    s.mail_failed = 0;
    s.crl_next_update = 1702592000;
    s.ca_not_after = 2000000000;
    s.cert_next_expiry = 1771000000;
    return s;
}

}  // namespace

TEST_CASE("metrics: label values are escaped") {
    CHECK(escape_label_value("plain") == "plain");
    CHECK(escape_label_value("a\"b") == "a\\\"b");
    CHECK(escape_label_value("a\\b") == "a\\\\b");
    CHECK(escape_label_value("a\nb") == "a\\nb");
    MetricsSnapshot s;
    s.version = "1.0\"\n";
    CHECK(has_line(render_metrics(s), "warden_build_info{version=\"1.0\\\"\\n\"} 1"));
}

TEST_CASE("metrics: refusal texts map to a bounded set of classes") {
    CHECK(refusal_class("certificate not registered") == RefusalClass::NotRegistered);
    CHECK(refusal_class("certificate revoked") == RefusalClass::Revoked);
    CHECK(refusal_class("locked for another 4m59s") == RefusalClass::Locked);
    CHECK(refusal_class("login failed") == RefusalClass::LoginFailed);
    CHECK(refusal_class(kNotReleased) == RefusalClass::NotReleased);
    CHECK(refusal_class(kPendingAuthorization) == RefusalClass::PendingAuthorization);
    CHECK(refusal_class(kUpdateRequired) == RefusalClass::UpdateRequired);
    CHECK(refusal_class("client config too large: 70000 bytes, limit 65536") ==
          RefusalClass::ConfigTooLarge);
    CHECK(refusal_class("session expired: log in with a fresh code") == RefusalClass::FreshLogin);
    CHECK(refusal_class("a client-chosen \"text\"") == RefusalClass::Other);
    CHECK(refusal_class("") == RefusalClass::Other);
    std::set<std::string_view> labels;
    for (std::size_t i = 0; i < kRefusalClasses; ++i)
        labels.insert(refusal_label(static_cast<RefusalClass>(i)));
    CHECK(labels.size() == kRefusalClasses);  // one distinct label per class
    CHECK(refusal_label(RefusalClass::Other) == "other");
}

TEST_CASE("metrics: verdicts by kind, outcome and reason") {
    const std::string text = render_metrics(full_snapshot());
    CHECK(has_line(text, "# TYPE warden_verdicts_total counter"));
    CHECK(has_line(text, "warden_verdicts_total{kind=\"auth\",outcome=\"allow\",reason=\"\"} 1"));
    CHECK(has_line(
        text,
        "warden_verdicts_total{kind=\"connect\",outcome=\"deny\",reason=\"not_registered\"} 1"));
    CHECK(has_line(text,
                   "warden_verdicts_total{kind=\"auth\",outcome=\"deny\",reason=\"locked\"} 1"));
    CHECK(has_line(text,
                   "warden_verdicts_total{kind=\"auth\",outcome=\"deny\",reason=\"revoked\"} 0"));
    CHECK(has_line(text, "warden_verdicts_total{kind=\"auth\",outcome=\"error\",reason=\"\"} 1"));
    CHECK(has_line(text, "warden_login_failures_total 3"));
    CHECK(has_line(text, "warden_login_locks_total 1"));
}

TEST_CASE("metrics: the latency histogram is cumulative and ends in +Inf = count") {
    const std::string text = render_metrics(full_snapshot());
    CHECK(has_line(text, "# TYPE warden_verdict_duration_seconds histogram"));
    CHECK(has_line(text, "warden_verdict_duration_seconds_bucket{le=\"0.0001\"} 1"));
    CHECK(has_line(text, "warden_verdict_duration_seconds_bucket{le=\"0.001\"} 1"));
    CHECK(has_line(text, "warden_verdict_duration_seconds_bucket{le=\"0.002\"} 2"));
    CHECK(has_line(text, "warden_verdict_duration_seconds_bucket{le=\"1\"} 2"));
    CHECK(has_line(text, "warden_verdict_duration_seconds_bucket{le=\"+Inf\"} 3"));
    CHECK(has_line(text, "warden_verdict_duration_seconds_count 3"));
    CHECK(text.find("warden_verdict_duration_seconds_sum 3.00155\n") != std::string::npos);
}

TEST_CASE("metrics: every sample belongs to a family declared with HELP and TYPE") {
    const std::string text = render_metrics(full_snapshot());
    std::set<std::string> helped, typed;
    for (const auto& line : lines_of(text)) {
        REQUIRE_FALSE(line.empty());
        if (line.rfind("# HELP ", 0) == 0) {
            helped.insert(line.substr(7, line.find(' ', 7) - 7));
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            typed.insert(line.substr(7, line.find(' ', 7) - 7));
            continue;
        }
        std::string name = line.substr(0, line.find_first_of("{ "));
        INFO(line);
        CHECK(name.rfind("warden_", 0) == 0);
        for (const char* suffix : {"_bucket", "_sum", "_count"})
            if (!typed.count(name) && name.size() > std::strlen(suffix) &&
                name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
                name.resize(name.size() - std::strlen(suffix));
        CHECK(typed.count(name) == 1);
        CHECK(helped.count(name) == 1);
    }
    CHECK(text.back() == '\n');
}

TEST_CASE("metrics: the optional parts appear only when on") {
    MetricsSnapshot off;
    const std::string text = render_metrics(off);
    CHECK(text.find("warden_firewall_") == std::string::npos);
    CHECK(text.find("warden_mail_") == std::string::npos);
    CHECK(text.find("warden_crl_next_update") == std::string::npos);
    const std::string on = render_metrics(full_snapshot());
    CHECK(has_line(on, "warden_firewall_applies_total 5"));
    CHECK(has_line(on, "warden_firewall_apply_failures_total 1"));
    CHECK(has_line(on, "warden_firewall_apply_seconds_total 0.25"));
    CHECK(has_line(on, "warden_mail_queue_messages 3"));
    CHECK(has_line(on, "warden_crl_next_update_timestamp_seconds 1702592000"));
    CHECK(has_line(on, "warden_ca_certificate_expiry_timestamp_seconds 2000000000"));
    CHECK(has_line(on, "warden_devices{state=\"online\"} 2"));
    CHECK(has_line(on, "warden_pending_certificates{state=\"pending\"} 1"));
    CHECK(has_line(on, "warden_sessions 2"));
}

TEST_CASE("metrics: promtool check metrics finds no problem in a full exposition") {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        WARN("promtool not installed (Debian package prometheus): check not run");
        return;
    }
    char path[] = "/tmp/warden-metrics-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    std::ofstream(path) << render_metrics(full_snapshot());
    const std::string out = std::string(path) + ".out";
    const int rc = std::system(
        ("promtool check metrics < " + std::string(path) + " > " + out + " 2>&1").c_str());
    std::ifstream in(out);
    const std::string report((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    std::remove(path);
    std::remove(out.c_str());
    INFO(report);
    CHECK(rc == 0);
    CHECK(report.empty());  // lint findings are printed, with exit 0 for some of them
}

TEST_CASE("config metrics: off by default, an address when set, checked like [http]") {
    const std::string base = "[vpn]\nremote = \"vpn.example.com\"\n";
    auto r = parse_config(base);
    REQUIRE(r.config);
    CHECK(r.config->metrics.listen == "off");
    r = parse_config(base + "[metrics]\nlisten = \"127.0.0.1:9487\"\n");
    REQUIRE(r.error == "");
    CHECK(r.config->metrics.listen == "127.0.0.1:9487");
    CHECK(parse_config(base + "[metrics]\nlisten = \"[::1]:9487\"\n").error == "");
    CHECK(parse_config(base + "[metrics]\nlisten = \"localhost:9487\"\n").error ==
          "line 4: metrics.listen: expected an IP address (no host names)");
    CHECK(parse_config(base + "[metrics]\nlisten = \"127.0.0.1\"\n").error ==
          "line 4: metrics.listen: expected address:port, e.g. 127.0.0.1:8088");
    CHECK(parse_config(base + "[metrics]\nport = 1\n").error.find("metrics.port") !=
          std::string::npos);
    // The rendered default config has the table, and reads back the same.
    Config c = *parse_config(base).config;
    c.metrics.listen = "127.0.0.1:9999";
    const auto again = parse_config(render_config(c));
    REQUIRE(again.error == "");
    CHECK(again.config->metrics.listen == "127.0.0.1:9999");
    const std::string rendered = render_config(*parse_config(base).config);
    CHECK(rendered.find("[metrics]\nlisten = 'off'\n") != std::string::npos);
}

#include "daemon/core/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace warden::core {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// Numbers as Prometheus reads them: integers exactly, +Inf spelled its way.
std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    // Shortest round-trip digits, never exponent notation (le="0.0001", not "1e-04").
    char buf[400];
    const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed).ptr;
    return std::string(buf, end);
}

std::string number(std::uint64_t v) {
    return std::to_string(v);
}
std::string number(std::int64_t v) {
    return std::to_string(v);
}

class Writer {
  public:
    // A family's HELP and TYPE lines; samples follow with sample().
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
        out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }
    void sample(std::string_view name, const Labels& labels, const std::string& value) {
        out_.append(name);
        if (!labels.empty()) {
            out_ += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) out_ += ',';
                out_.append(labels[i].first).append("=\"");
                out_.append(escape_label_value(labels[i].second)).append("\"");
            }
            out_ += '}';
        }
        out_.append(" ").append(value).append("\n");
    }
    // A family with one unlabelled sample.
    void single(std::string_view name, std::string_view type, std::string_view help,
                const std::string& value) {
        family(name, type, help);
        sample(name, {}, value);
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

constexpr std::string_view kKinds[] = {"auth", "connect"};

void verdict_counts(Writer& w, const VerdictCounts& c) {
    constexpr std::string_view name = "warden_verdicts_total";
    w.family(name, "counter",
             "Verdicts answered to the plugin, by request kind, outcome and refusal reason.");
    for (std::size_t k = 0; k < 2; ++k) {
        w.sample(name, {{"kind", kKinds[k]}, {"outcome", "allow"}, {"reason", ""}},
                 number(c.allowed[k]));
        for (std::size_t r = 0; r < kRefusalClasses; ++r)
            w.sample(name,
                     {{"kind", kKinds[k]},
                      {"outcome", "deny"},
                      {"reason", refusal_label(static_cast<RefusalClass>(r))}},
                     number(c.refused[k][r]));
        w.sample(name, {{"kind", kKinds[k]}, {"outcome", "error"}, {"reason", ""}},
                 number(c.errors[k]));
    }
}

void verdict_latency(Writer& w, const VerdictTimes& t) {
    constexpr std::string_view name = "warden_verdict_duration_seconds";
    w.family(name, "histogram",
             "Time from reading a request to handing its verdict to the socket, in wardend.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kVerdictBucketsUs.size(); ++i) {
        cumulative += t.buckets[i];
        const std::string le = number(static_cast<double>(kVerdictBucketsUs[i]) / 1e6);
        w.sample("warden_verdict_duration_seconds_bucket", {{"le", le}}, number(cumulative));
    }
    w.sample("warden_verdict_duration_seconds_bucket", {{"le", "+Inf"}}, number(t.count));
    w.sample("warden_verdict_duration_seconds_sum", {},
             number(static_cast<double>(t.sum_us) / 1e6));
    w.sample("warden_verdict_duration_seconds_count", {}, number(t.count));
}

void state_gauge(Writer& w, std::string_view name, std::string_view help,
                 const std::vector<std::pair<std::string, std::uint64_t>>& by_state) {
    w.family(name, "gauge", help);
    for (const auto& [state, count] : by_state) w.sample(name, {{"state", state}}, number(count));
}

void firewall(Writer& w, const FirewallMetrics& f) {
    w.single("warden_firewall_applies_total", "counter",
             "Changes applied to the nftables table (delta or full), failed ones included.",
             number(f.applies));
    w.single("warden_firewall_apply_failures_total", "counter",
             "Applies the kernel refused (the previous table stayed in force).",
             number(f.apply_failures));
    w.single("warden_firewall_apply_seconds_total", "counter",
             "Time spent applying the nftables table.", number(f.apply_seconds));
    w.single("warden_firewall_repairs_total", "counter",
             "Tables found missing or altered and reloaded.", number(f.repairs));
    w.single("warden_firewall_failing", "gauge",
             "1 while the table could not be brought in step with the store.",
             number(std::uint64_t{f.failing}));
    if (f.last_apply != 0)
        w.single("warden_firewall_last_apply_timestamp_seconds", "gauge",
                 "When the table was last applied successfully (unix seconds).",
                 number(f.last_apply));
}

void expiry(Writer& w, const MetricsSnapshot& s) {
    if (s.crl_next_update)
        w.single("warden_crl_next_update_timestamp_seconds", "gauge",
                 "nextUpdate of the CRL on disk (unix seconds); OpenVPN refuses every client "
                 "after it.",
                 number(*s.crl_next_update));
    w.single("warden_crl_alarm", "gauge", "1 when the last re-sign of the CRL failed.",
             number(std::uint64_t{s.crl_alarm}));
    if (s.ca_not_after)
        w.single("warden_ca_certificate_expiry_timestamp_seconds", "gauge",
                 "notAfter of warden's CA certificate (unix seconds).", number(*s.ca_not_after));
    if (s.cert_next_expiry)
        w.single("warden_certificate_next_expiry_timestamp_seconds", "gauge",
                 "Earliest notAfter of the devices' unrevoked certificates (unix seconds).",
                 number(*s.cert_next_expiry));
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render_metrics(const MetricsSnapshot& s) {
    Writer w;
    w.family("warden_build_info", "gauge", "Always 1; the version of wardend as a label.");
    w.sample("warden_build_info", {{"version", s.version}}, "1");
    w.single("warden_start_time_seconds", "gauge", "When wardend started (unix seconds).",
             number(s.started_at));
    verdict_counts(w, s.verdicts.counts());
    verdict_latency(w, s.verdicts.times());
    const DeferralCounts& d = s.verdicts.deferrals();
    w.family("warden_deferred_verdicts_total", "counter",
             "Requests the plugin deferred, by kind and cause (budget: the verdict was too "
             "slow; queued: wardend was away).");
    w.sample("warden_deferred_verdicts_total", {{"cause", "budget"}}, number(d.budget));
    w.sample("warden_deferred_verdicts_total", {{"cause", "queued"}}, number(d.queued));
    w.single("warden_late_verdicts_total", "counter",
             "Deferred verdicts the plugin wrote to OpenVPN later.", number(d.late));
    w.single("warden_late_verdicts_timed_out_total", "counter",
             "Deferred requests refused for want of a verdict within the plugin's timeout.",
             number(d.timed_out));
    w.single("warden_login_failures_total", "counter",
             "Failed logins that count toward a device's lock.", number(s.logins.failures));
    w.single("warden_login_locks_total", "counter", "Devices locked after repeated failed logins.",
             number(s.logins.locks));
    w.single("warden_sessions", "gauge", "Live VPN sessions.", number(s.sessions));
    w.single("warden_plugin_connections", "gauge", "OpenVPN plugins connected to wardend.",
             number(s.plugin_connections));
    state_gauge(w, "warden_devices", "Devices by state.", s.devices_by_state);
    state_gauge(w, "warden_pending_certificates",
                "Enrollment certificates waiting for an operator, by state.", s.pending_certs);
    if (s.firewall) firewall(w, *s.firewall);
    if (s.mail_queue)
        w.single("warden_mail_queue_messages", "gauge", "Mails waiting to be sent.",
                 number(*s.mail_queue));
    if (s.mail_failed)
        w.single("warden_mail_failed_messages", "gauge",
                 "Mails given up on (wardenctl mail retry revives them).", number(*s.mail_failed));
    expiry(w, s);
    return w.take();
}

}  // namespace warden::core

#include "daemon/server/plugin_report.hpp"

#include <charconv>
#include <cstdio>

#include "common/log.hpp"
#include "common/protocol.hpp"

namespace warden::server {
namespace {

constexpr std::size_t kMaxCommonName = 256;        // X.509 CN is at most 64 characters
constexpr double kMaxMillis = 24.0 * 3600 * 1000;  // a day: anything above is nonsense

// "123" or "123.456", non-negative, at most kMaxMillis.
std::optional<double> millis(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    double value = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (!(value >= 0 && value <= kMaxMillis)) return std::nullopt;
    return value;
}

std::string format_ms(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", ms);
    return buf;
}

}  // namespace

std::optional<core::DeferralReport> decode_report(const wire::Message& msg, std::string& error) {
    namespace f = protocol::field;
    core::DeferralReport r;
    const auto event = msg.get(f::event).value_or("");
    const auto kind = msg.get(f::kind).value_or("");
    const auto cn = msg.get(f::common_name).value_or("");
    if (event == protocol::report::kDeferred) {
        r.event = core::DeferralReport::Event::Deferred;
    } else if (event == protocol::report::kLate) {
        r.event = core::DeferralReport::Event::Late;
    } else {
        error = "event";
        return std::nullopt;
    }
    if (kind == "auth") {
        r.kind = core::RequestKind::Auth;
    } else if (kind == "connect") {
        r.kind = core::RequestKind::Connect;
    } else {
        error = "kind";
        return std::nullopt;
    }
    if (cn.size() > kMaxCommonName) {
        error = "common_name";
        return std::nullopt;
    }
    r.common_name = std::string(cn);
    if (r.event == core::DeferralReport::Event::Deferred) {
        const auto why = msg.get(f::why).value_or("");
        const auto waited = millis(msg.get(f::waited_ms).value_or(""));
        if (why == protocol::report::kBudget) {
            r.cause = core::DeferralCause::Budget;
        } else if (why == protocol::report::kQueued) {
            r.cause = core::DeferralCause::Queued;
        } else {
            error = "why";
            return std::nullopt;
        }
        if (!waited) {
            error = "waited_ms";
            return std::nullopt;
        }
        r.waited_ms = *waited;
        return r;
    }
    const auto result = msg.get(f::result).value_or("");
    const auto late = millis(msg.get(f::late_ms).value_or(""));
    if (result == protocol::kAllow) {
        r.allowed = true;
    } else if (result == protocol::report::kTimeout) {
        r.timed_out = true;
    } else if (result != protocol::kDeny) {
        error = "result";
        return std::nullopt;
    }
    if (!late) {
        error = "late_ms";
        return std::nullopt;
    }
    r.late_ms = *late;
    return r;
}

void log_report(const core::DeferralReport& r, const std::string& instance) {
    const std::string kind(core::kind_name(r.kind));
    if (r.event == core::DeferralReport::Event::Deferred) {
        log::info("verdict deferred", {{"instance", instance},
                                       {"kind", kind},
                                       {"common_name", r.common_name},
                                       {"why", std::string(core::cause_name(r.cause))},
                                       {"waited_ms", format_ms(r.waited_ms)}});
        return;
    }
    const char* result = r.allowed ? "allow" : r.timed_out ? "timeout" : "deny";
    log::info("deferred verdict late", {{"instance", instance},
                                        {"kind", kind},
                                        {"common_name", r.common_name},
                                        {"result", result},
                                        {"late_ms", format_ms(r.late_ms)}});
}

}  // namespace warden::server

#include "plugin/config.hpp"

#include <sys/un.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <string_view>

namespace warden::plugin {
namespace {

// Upper bounds keep a typo (budget_ms=2000) from parking OpenVPN's event loop.
constexpr double kMaxBudgetMs = 1000.0;
constexpr double kMaxTimeoutS = 3600.0;
// Queued time plus the verdict's own time must stay inside OpenVPN's hand-window (60 s).
constexpr double kMaxDaemonWaitS = 30.0;
constexpr std::size_t kMaxInstanceLength = 64;

// Strict decimal: digits with at most one '.', no sign, no exponent, no spaces.
bool parse_decimal(std::string_view text, double& out) {
    if (text.empty() || text.size() > 16) return false;
    bool dot = false, digit = false;
    for (char c : text) {
        if (c == '.') {
            if (dot) return false;
            dot = true;
        } else if (c >= '0' && c <= '9') {
            digit = true;
        } else {
            return false;
        }
    }
    if (!digit) return false;
    const std::string copy(text);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && std::isfinite(out);
}

bool printable_name(std::string_view s) {
    if (s.empty() || s.size() > kMaxInstanceLength) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

std::string apply(std::string_view key, std::string_view value, Config& out) {
    if (key == "socket") {
        if (value.empty()) return "socket: empty path";
        if (value.size() >= sizeof(sockaddr_un{}.sun_path)) return "socket: path too long";
        out.socket_path = value;
        return {};
    }
    if (key == "instance") {
        if (!printable_name(value)) return "instance: expected 1-64 characters of [A-Za-z0-9._-]";
        out.instance = value;
        return {};
    }
    if (key == "budget_ms") {
        double ms = 0;
        if (!parse_decimal(value, ms) || ms > kMaxBudgetMs)
            return "budget_ms: expected a number from 0 to 1000";
        out.budget = std::chrono::microseconds(static_cast<long long>(std::llround(ms * 1000.0)));
        return {};
    }
    if (key == "timeout_s") {
        double s = 0;
        if (!parse_decimal(value, s) || s <= 0 || s > kMaxTimeoutS) {
            return "timeout_s: expected a number above 0 and at most 3600";
        }
        out.timeout = std::chrono::milliseconds(std::max<long long>(1, std::llround(s * 1000.0)));
        return {};
    }
    if (key == "daemon_wait_s") {
        double s = 0;
        if (!parse_decimal(value, s) || s > kMaxDaemonWaitS) {
            return "daemon_wait_s: expected a number from 0 to 30";
        }
        out.daemon_wait = std::chrono::milliseconds(std::llround(s * 1000.0));
        return {};
    }
    if (key == "prefetch") {
        if (value != "0" && value != "1") return "prefetch: expected 0 or 1";
        out.prefetch = value == "1";
        return {};
    }
    return "unknown argument " + std::string(key);
}

}  // namespace

std::string parse_config(const char* const* argv, Config& out) {
    Config parsed;
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 1; argv != nullptr && argv[i] != nullptr; ++i) {
        const std::string_view arg(argv[i]);
        const auto eq = arg.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return "malformed argument " + std::string(arg.substr(0, 64)) + " (expected key=value)";
        }
        const std::string_view key = arg.substr(0, eq);
        if (!seen.insert(std::string(key)).second) return "duplicate argument " + std::string(key);
        if (auto err = apply(key, arg.substr(eq + 1), parsed); !err.empty()) return err;
    }
    if (parsed.socket_path.empty()) return "socket=PATH is required";
    out = std::move(parsed);
    return {};
}

}  // namespace warden::plugin

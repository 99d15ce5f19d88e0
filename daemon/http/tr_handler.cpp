#include "daemon/http/tr_handler.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <memory>
#include <optional>

#include "common/log.hpp"
#include "daemon/http/tr_page.hpp"

namespace warden::http {
namespace {

constexpr std::string_view kTokenPrefix = "/tr/";
constexpr std::size_t kMinTokenChars = 20;
constexpr std::size_t kMaxTokenChars = 128;
constexpr std::size_t kMaxAddresses = 4096;  // the rate limiter's table bound

// ASCII only, whatever the locale: the URL-safe alphabet.
bool token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

// The address in canonical text (IPv4-mapped IPv6 as IPv4), or nullopt.
std::optional<std::string> canonical_ip(std::string_view text) {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
    return addr.to_string();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The last hop of the last X-Forwarded-For field: the one the proxy appended.
std::optional<std::string_view> last_forwarded_hop(const HttpRequest& req) {
    std::optional<std::string_view> field;
    for (const auto& [name, value] : req.headers)
        if (name == "x-forwarded-for") field = value;
    if (!field) return std::nullopt;
    const auto comma = field->rfind(',');
    return trim(comma == std::string_view::npos ? *field : field->substr(comma + 1));
}

HttpResponse method_not_allowed() {
    auto res = not_found_page();
    res.status = 405;
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
}

class TrRoutes {
  public:
    TrRoutes(TrPort port, TrHandlerOptions options)
        : port_(std::move(port)),
          trusted_proxy_(canonical_ip(options.trusted_proxy).value_or(options.trusted_proxy)),
          now_(std::move(options.now)),
          limiter_({std::max<std::size_t>(1, options.attempts_per_minute), std::chrono::minutes(1),
                    kMaxAddresses}) {}

    HttpResponse handle(const HttpRequest& req) {
        if (req.path.rfind(kTokenPrefix, 0) == 0) {
            const std::string client = client_address(req, trusted_proxy_);
            auto res = token_request(req, client);
            log::info("http tr request", {{"method", req.method},
                                          {"path", loggable_path(req.path)},
                                          {"status", std::to_string(res.status)},
                                          {"peer", client}});
            return res;
        }
        if (req.path == "/") return req.method == "POST" ? method_not_allowed() : home_page();
        return not_found_page();
    }

  private:
    HttpResponse token_request(const HttpRequest& req, const std::string& client) {
        // Counted before the syntax check: every guess costs an attempt.
        const auto key = rate_key(client);
        const auto now = now_();
        if (!limiter_.allow(key, now))
            return too_many_attempts_page(limiter_.retry_after(key, now));
        const std::string_view token = std::string_view(req.path).substr(kTokenPrefix.size());
        if (!token_syntax_ok(token)) return tr_state_page(TokenState::Unknown);
        if (req.method == "POST") return tr_confirm_page(port_.confirm(token, client));
        return tr_lookup_page(port_.lookup(token), token);
    }

    TrPort port_;
    std::string trusted_proxy_;
    std::function<RateLimiter::Clock::time_point()> now_;
    RateLimiter limiter_;
};

}  // namespace

bool token_syntax_ok(std::string_view token) {
    if (token.size() < kMinTokenChars || token.size() > kMaxTokenChars) return false;
    return std::all_of(token.begin(), token.end(), token_char);
}

std::string client_address(const HttpRequest& req, const std::string& trusted_proxy) {
    if (trusted_proxy.empty()) return req.peer;
    const auto peer = canonical_ip(req.peer);
    const auto proxy = canonical_ip(trusted_proxy);
    if (!peer || !proxy || *peer != *proxy) return req.peer;
    if (const auto hop = last_forwarded_hop(req))
        if (auto client = canonical_ip(*hop)) return *client;
    return req.peer;  // no usable hop: the proxy's own address (one bucket for all)
}

Handler make_tr_handler(TrPort port, TrHandlerOptions options) {
    auto routes = std::make_shared<TrRoutes>(std::move(port), std::move(options));
    return [routes](const HttpRequest& req) { return routes->handle(req); };
}

}  // namespace warden::http

// Routes the confirmation page's requests (issue 10) to the TR service's port:
//   GET/HEAD /tr/TOKEN  -> lookup (never uses the token: mail scanners fetch links)
//   POST     /tr/TOKEN  -> confirm (uses it)
//   GET/HEAD /          -> a tiny page saying what this is;  anything else -> 404
// The token's syntax is checked before any look-up: a malformed one gets the same page
// as a well-formed unknown one. Token attempts (every /tr/ request) are rate limited per
// client address (http::RateLimiter); over the limit -> 429 without a look-up.
//
// Behind a reverse proxy every request comes from the proxy: only when the peer is the
// configured trusted_proxy is the last hop of X-Forwarded-For taken as the client (the
// hop the proxy itself added; earlier ones are the client's own text).
//
// Each request that touches a token logs one line: method, the path with the token cut
// to its first 4 characters, status, client address.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "daemon/http/rate_limit.hpp"
#include "daemon/http/server.hpp"
#include "daemon/http/tr_port.hpp"

namespace warden::http {

struct TrHandlerOptions {
    std::size_t attempts_per_minute = 10;
    std::string trusted_proxy;  // "" none; else the proxy's IP address as text
    // The rate limiter's clock (tests move it).
    std::function<RateLimiter::Clock::time_point()> now = [] { return RateLimiter::Clock::now(); };
};

// True for what a token may look like: 20..128 characters of the URL-safe alphabet
// (letters, digits, - and _), which covers hex, base32 and base64url encodings of 128
// bits and more.
bool token_syntax_ok(std::string_view token);

// The client's address: the peer, or the last X-Forwarded-For hop when the peer is the
// trusted proxy and that hop is an IP address.
std::string client_address(const HttpRequest& req, const std::string& trusted_proxy);

// The handler for HttpServer (what `port` calls must outlive it). Copies of the handler
// share one rate limiter.
Handler make_tr_handler(TrPort port, TrHandlerOptions options);

}  // namespace warden::http

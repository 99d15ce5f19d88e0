// The HTTP listener's edge: what a handler sees (HttpRequest), what it returns
// (HttpResponse), and the conversions to and from Beast's messages. Everything here is
// pure (no sockets), so the exact path bytes take from the wire to a handler can be
// fuzzed and unit-tested without a server.
//
// The server, not the handler, owns the security headers and Content-Length: a handler
// cannot remove them, and its extra headers may not replace them or carry CR/LF.
#pragma once

#include <boost/beast/http.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace warden::http {

namespace beast_http = boost::beast::http;

struct HttpLimits {
    std::size_t header_bytes = 8 * 1024;  // request line + headers; over -> 431
    std::size_t body_bytes = 16 * 1024;   // over -> 413
    // Bound on receiving one whole request (and on the idle gap before it) and on
    // sending one response; a client that is slower is disconnected.
    std::chrono::milliseconds read_timeout{10000};
    std::size_t max_connections = 256;      // more are closed at accept
    std::size_t keep_alive_requests = 100;  // then the connection is closed
};

struct HttpRequest {
    std::string method;  // "GET", "HEAD" or "POST" (others never reach a handler)
    std::string path;    // target up to '?', raw (not percent-decoded), starts with '/'
    std::string query;   // after '?', raw; empty when none
    // Header fields the pages and metrics need, names in lower case.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string peer;  // source address as text ("192.0.2.1", "2001:db8::1")

    // The value of header `name` (lower case), or nullopt.
    std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpResponse {
    unsigned status = 200;  // 200..599; 204 and 304 are not used (they carry no length)
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    // E.g. {"Location", "/tr"}, {"Allow", "GET"}. Fields the server sets are ignored.
    std::vector<std::pair<std::string, std::string>> headers;
};

using BeastRequest = beast_http::request<beast_http::string_body>;
using BeastResponse = beast_http::response<beast_http::string_body>;
using RequestParser = beast_http::request_parser<beast_http::string_body>;

// The header fields copied into HttpRequest::headers.
inline constexpr std::string_view kForwardedHeaders[] = {"host",    "content-type",   "user-agent",
                                                         "accept",  "cookie",         "origin",
                                                         "referer", "x-forwarded-for"};

// Applies the header and body limits to a fresh parser.
void apply_limits(RequestParser& parser, const HttpLimits& limits);

// The status to answer a failed read with: 431 (header limit), 413 (body limit) or 400;
// nullopt when the error is the peer's or the socket's (timeout, EOF, reset): no answer.
std::optional<unsigned> status_for_read_error(const boost::system::error_code& ec);

// Checks a parsed request and converts it: the request, or the status to refuse it with
// (405 for other methods, 400 for a target that is not a path).
std::variant<HttpRequest, unsigned> to_request(BeastRequest&& req, std::string peer);

// The response on the wire. `head`: the body is left out, its length kept.
BeastResponse to_beast(const HttpResponse& res, bool head, bool keep_alive, unsigned version);

// A response made by the server itself (errors), e.g. 404 "not found".
HttpResponse error_response(unsigned status);

// A path as logs show it: a token of the time-restricted-access page ("/tr/TOKEN", a
// secret until used) cut to its first 4 characters, "/tr/ABCD...". Other paths as they are.
std::string loggable_path(std::string_view path);

// Whole-buffer parse with the server's limits and checks (the fuzz target's and unit
// tests' entry): the request, or the status the server would refuse it with. Bytes after
// the first request are ignored; an incomplete request is 400.
std::variant<HttpRequest, unsigned> parse_request(std::string_view bytes, const HttpLimits& limits,
                                                  std::string peer = "127.0.0.1");

}  // namespace warden::http

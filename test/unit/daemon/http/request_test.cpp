#include <catch2/catch.hpp>

#include "daemon/http/request.hpp"

using namespace warden::http;

namespace {

HttpRequest parsed(std::string_view bytes) {
    auto r = parse_request(bytes, HttpLimits{}, "198.51.100.4");
    REQUIRE(std::holds_alternative<HttpRequest>(r));
    return std::get<HttpRequest>(r);
}

unsigned refused(std::string_view bytes, HttpLimits limits = {}) {
    auto r = parse_request(bytes, limits);
    REQUIRE(std::holds_alternative<unsigned>(r));
    return std::get<unsigned>(r);
}

}  // namespace

TEST_CASE("request: target split into path and query, needed headers kept in lower case") {
    const auto req = parsed(
        "GET /tr/confirm?token=abc&x=1 HTTP/1.1\r\nHost: vpn.example\r\n"
        "User-Agent: t\r\nX-Other: dropped\r\n\r\n");
    CHECK(req.method == "GET");
    CHECK(req.path == "/tr/confirm");
    CHECK(req.query == "token=abc&x=1");
    CHECK(req.header("host") == std::optional<std::string_view>("vpn.example"));
    CHECK(req.header("user-agent") == std::optional<std::string_view>("t"));
    CHECK_FALSE(req.header("x-other"));
    CHECK(req.peer == "198.51.100.4");
    CHECK(req.body.empty());
}

TEST_CASE("request: POST bodies, by length and chunked") {
    CHECK(parsed("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").body == "hello");
    CHECK(parsed("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
              .body == "abc");
}

TEST_CASE("request: refusals") {
    CHECK(refused("PUT / HTTP/1.1\r\n\r\n") == 405);
    CHECK(refused("BREW / HTTP/1.1\r\n\r\n") == 405);
    CHECK(refused("GET http://evil/ HTTP/1.1\r\n\r\n") == 400);
    CHECK(refused("GET * HTTP/1.1\r\n\r\n") == 400);
    CHECK(refused("\x16\x03\x01\x02\x00garbage\r\n\r\n") == 400);
    CHECK(refused("GET / HTTP/1.1\r\nHost") == 400);  // incomplete
    CHECK(refused("") == 400);
    CHECK(refused("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n") == 431);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: 16385\r\n\r\n") == 413);
    CHECK(refused("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4001\r\n" +
                  std::string(16385, 'a') + "\r\n0\r\n\r\n") == 413);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello") == 400);
}

TEST_CASE("response: security headers and length are the server's, not the handler's") {
    HttpResponse r;
    r.body = "hi";
    r.headers = {{"Cache-Control", "public"},
                 {"X-Injected", "a\r\nSet-Cookie: x=1"},
                 {"Bad Name", "v"},
                 {"Location", "/next"}};
    const auto res = to_beast(r, false, true, 11);
    CHECK(res[boost::beast::http::field::cache_control] == "no-store");
    CHECK(res.count(boost::beast::http::field::cache_control) == 1);
    CHECK(res.count("X-Injected") == 0);
    CHECK(res.count("Bad Name") == 0);
    CHECK(res["Location"] == "/next");
    CHECK(res["X-Content-Type-Options"] == "nosniff");
    CHECK(res[boost::beast::http::field::content_length] == "2");
    const auto head = to_beast(r, true, true, 11);
    CHECK(head[boost::beast::http::field::content_length] == "2");
    CHECK(head.body().empty());
    r.status = 204;  // no length allowed: not supported, becomes an error
    CHECK(to_beast(r, false, true, 11).result_int() == 500);
}

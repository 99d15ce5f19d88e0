// The listener on a real socket (127.0.0.1, ephemeral port) with a blocking client.
// Every wait is bounded (poll with a timeout); nothing sleeps to synchronize.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "common/log.hpp"
#include "daemon/http/server.hpp"
#include "unit/daemon/http/http_test_client.hpp"

using namespace warden;
using namespace warden::http;
using namespace warden::testing;
using namespace std::chrono_literals;

namespace {

// Echoes what the handler saw; /boom throws; /extra adds a header.
HttpResponse echo(const HttpRequest& req) {
    if (req.path == "/boom") throw std::runtime_error("boom");
    HttpResponse res;
    res.body =
        req.method + " " + req.path + " " + req.query + " " + req.peer + " [" + req.body + "]";
    if (req.path == "/extra") res.headers = {{"Location", "/there"}, {"Cache-Control", "public"}};
    return res;
}

struct Running {
    boost::asio::io_context io;
    HttpServer server;
    std::thread thread;

    explicit Running(HttpLimits limits = {}) : server(io, {"127.0.0.1:0", limits}, echo) {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~Running() { stop(); }
    void stop() {
        if (!thread.joinable()) return;
        boost::asio::post(io, [this] {
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::uint16_t port() const { return server.local_endpoint().port(); }
};

// True when the server closes the connection within `bound` (EOF or reset).
bool closed_within(int fd, std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < until) {
        auto chunk = recv_some(fd, 100ms);
        if (chunk && chunk->empty()) return true;
    }
    return false;
}

void check_security_headers(const Reply& r) {
    CHECK(r.header("Cache-Control") == "no-store");
    CHECK(r.header("X-Content-Type-Options") == "nosniff");
    CHECK(r.header("Content-Security-Policy") ==
          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    CHECK(r.header("Referrer-Policy") == "no-referrer");
    CHECK(r.header("X-Frame-Options") == "DENY");
    CHECK(r.header("Content-Length") != "<none>");
}

}  // namespace

TEST_CASE("http server: GET is answered by the handler, with the security headers") {
    Running s;
    const auto r = exchange(s.port(), "GET /hello?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(r.body == "GET /hello q=1 127.0.0.1 []");
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
    check_security_headers(r);
}

TEST_CASE("http server: HEAD has the GET length and no body") {
    Running s;
    auto fd = connect_tcp(s.port());
    REQUIRE(send_all(fd.get(), "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto head = read_reply(fd.get(), true);
    CHECK(head.status == 200);
    CHECK(head.header("Content-Length") ==
          std::to_string(std::string("HEAD /h  127.0.0.1 []").size()));
    CHECK(head.body.empty());
    // Had a body been sent, it would come before the next status line.
    REQUIRE(send_all(fd.get(), "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto next = read_reply(fd.get());
    CHECK(next.status == 200);
    CHECK(next.body == "GET /next  127.0.0.1 []");
}

TEST_CASE("http server: a POST body reaches the handler") {
    Running s;
    const auto r =
        exchange(s.port(),
                 "POST /tr HTTP/1.1\r\nHost: x\r\nContent-Type: "
                 "application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\ntoken=abc");
    CHECK(r.status == 200);
    CHECK(r.body == "POST /tr  127.0.0.1 [token=abc]");
}

TEST_CASE("http server: an oversize header is 431, then close") {
    HttpLimits limits;
    limits.header_bytes = 2048;  // not Beast's default (8 KiB): the limit given is the one used
    Running s(limits);
    CHECK(exchange(s.port(), "GET / HTTP/1.1\r\nX-Big: " + std::string(1900, 'a') + "\r\n\r\n")
              .status == 200);
    auto fd = connect_tcp(s.port());
    REQUIRE(send_all(fd.get(), "GET / HTTP/1.1\r\nX-Big: " + std::string(3000, 'a') + "\r\n\r\n"));
    const auto r = read_reply(fd.get());
    CHECK(r.status == 431);
    check_security_headers(r);
    CHECK(closed_within(fd.get(), 5s));
}

TEST_CASE("http server: an oversize body is 413, then close") {
    Running s;
    auto fd = connect_tcp(s.port());
    // The server refuses on seeing the length, with most of the body still unread: the
    // answer must survive the close (no reset that would discard it).
    REQUIRE(send_all(
        fd.get(), "POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'b')));
    const auto r = read_reply(fd.get());
    CHECK(r.status == 413);
    CHECK(closed_within(fd.get(), 5s));
}

TEST_CASE("http server: garbage is 400, then close") {
    Running s;
    auto fd = connect_tcp(s.port());
    REQUIRE(send_all(fd.get(),
                     std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 not http\r\n\r\n")));
    const auto r = read_reply(fd.get());
    CHECK(r.status == 400);
    check_security_headers(r);
    CHECK(closed_within(fd.get(), 5s));
}

TEST_CASE("http server: other methods are 405 with Allow") {
    Running s;
    const auto r = exchange(s.port(), "DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "GET, HEAD, POST");
}

TEST_CASE("http server: a handler that throws is 500, its headers cannot replace the server's") {
    Running s;
    CHECK(exchange(s.port(), "GET /boom HTTP/1.1\r\n\r\n").status == 500);
    const auto r = exchange(s.port(), "GET /extra HTTP/1.1\r\n\r\n");
    CHECK(r.header("Location") == "/there");
    CHECK(r.header("Cache-Control") == "no-store");
    CHECK(r.head.find("public") == std::string::npos);
}

TEST_CASE("http server: a client that sends nothing is closed after the timeout") {
    HttpLimits limits;
    limits.read_timeout = 300ms;
    Running s(limits);
    auto fd = connect_tcp(s.port());
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(closed_within(fd.get(), 5s));
    CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);
}

TEST_CASE("http server: a client trickling a request byte by byte is closed after the timeout") {
    HttpLimits limits;
    limits.read_timeout = 300ms;
    Running s(limits);
    auto fd = connect_tcp(s.port());
    REQUIRE(send_all(fd.get(), "GET / HTTP/1.1\r\n"));
    // One header byte every 50 ms keeps the socket busy but never completes a request.
    bool closed = false;
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!closed && std::chrono::steady_clock::now() < until) {
        auto chunk = recv_some(fd.get(), 50ms);
        if (chunk && chunk->empty())
            closed = true;
        else
            ::send(fd.get(), "X", 1, MSG_NOSIGNAL);
    }
    CHECK(closed);
}

TEST_CASE("http server: connections over the maximum are refused at accept") {
    HttpLimits limits;
    limits.max_connections = 2;
    Running s(limits);
    auto a = connect_tcp(s.port());
    auto b = connect_tcp(s.port());
    // Both are served (so both are accepted) and stay open (keep-alive).
    for (int fd : {a.get(), b.get()}) {
        REQUIRE(send_all(fd, "GET / HTTP/1.1\r\n\r\n"));
        REQUIRE(read_reply(fd).status == 200);
    }
    auto c = connect_tcp(s.port());
    send_all(c.get(), "GET / HTTP/1.1\r\n\r\n");
    CHECK(closed_within(c.get(), 5s));
    // Once one closes, a new connection gets in (the server notices the close a bit later).
    a.reset();
    bool served = false;
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!served && std::chrono::steady_clock::now() < until)
        served = exchange(s.port(), "GET / HTTP/1.1\r\n\r\n").status == 200;
    CHECK(served);
}

TEST_CASE("http server: a keep-alive connection ends after keep_alive_requests") {
    HttpLimits limits;
    limits.keep_alive_requests = 2;
    Running s(limits);
    auto fd = connect_tcp(s.port());
    REQUIRE(send_all(fd.get(), "GET /1 HTTP/1.1\r\n\r\n"));
    CHECK(read_reply(fd.get()).header("Connection") == "<none>");
    REQUIRE(send_all(fd.get(), "GET /2 HTTP/1.1\r\n\r\n"));
    CHECK(read_reply(fd.get()).header("Connection") == "close");
    CHECK(closed_within(fd.get(), 5s));
}

TEST_CASE("http server: stop() closes open connections promptly") {
    Running s;
    auto fd = connect_tcp(s.port());
    REQUIRE(send_all(fd.get(), "GET / HTTP/1.1\r\n\r\n"));
    REQUIRE(read_reply(fd.get()).status == 200);
    const auto t0 = std::chrono::steady_clock::now();
    s.stop();
    CHECK(closed_within(fd.get(), 5s));
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("http server: start() throws when it cannot bind") {
    Running s;
    boost::asio::io_context io;
    HttpServer taken(io, {"127.0.0.1:" + std::to_string(s.port()), {}}, echo);
    CHECK_THROWS_WITH(taken.start(),
                      Catch::Contains("cannot listen on 127.0.0.1:") && Catch::Contains("in use"));
    HttpServer foreign(io, {"192.0.2.1:8088", {}}, echo);  // not an address of this host
    CHECK_THROWS_WITH(foreign.start(), Catch::Contains("cannot listen on 192.0.2.1:8088"));
}

TEST_CASE("http server: listen strings are parsed strictly") {
    CHECK(parse_listen("127.0.0.1:8088") ==
          boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 8088));
    CHECK(parse_listen("[::1]:8088") ==
          boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("::1"), 8088));
    CHECK(parse_listen("0.0.0.0:0").port() == 0);
    CHECK(parse_listen("[::]:65535").port() == 65535);
    for (const char* bad : {"",
                            ":8088",
                            "127.0.0.1",
                            "127.0.0.1:",
                            "127.0.0.1:65536",
                            "127.0.0.1:08088",
                            "127.0.0.1:+80",
                            "127.0.0.1:80x",
                            "127.0.0.1: 80",
                            "localhost:8088",
                            "127.1:8088",
                            "1.2.3.4.5:80",
                            "::1:8088",
                            "[::1]",
                            "[::1]8088",
                            "[127.0.0.1]:80",
                            "[::1]:",
                            " 127.0.0.1:80",
                            "127.0.0.1:80 ",
                            "127.0.0.1:99999999999999999999"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_listen(bad), std::invalid_argument);
    }
    boost::asio::io_context io;
    CHECK_THROWS_AS(HttpServer(io, {"nonsense", {}}, echo), std::invalid_argument);
}

namespace {

// Everything written to stderr (the log) while `body` runs.
std::string captured_stderr(const std::function<void()>& body) {
    char path[] = "/tmp/warden-http-log-XXXXXX";
    const int file = ::mkstemp(path);
    REQUIRE(file >= 0);
    ::unlink(path);
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(file, STDERR_FILENO);
    body();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string out;
    char buf[4096];
    ::lseek(file, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(file, buf, sizeof buf)) > 0;) out.append(buf, n);
    ::close(file);
    return out;
}

}  // namespace

TEST_CASE("http server: the debug log shows a /tr/ token cut to 4 characters") {
    Running s;
    log::set_min_level(log::Level::Debug);
    int status = 0;
    const auto logged = captured_stderr([&] {
        status = exchange(s.port(),
                          "GET /tr/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 HTTP/1.1\r\nHost: x\r\n\r\n")
                     .status;
    });
    log::set_min_level(log::Level::Info);
    CHECK(status == 200);
    CHECK(logged.find("http request") != std::string::npos);
    CHECK(logged.find("path=/tr/ABCD...") != std::string::npos);
    CHECK(logged.find("ABCDE") == std::string::npos);
    CHECK(loggable_path("/tr/ABCD") == "/tr/ABCD");
    CHECK(loggable_path("/metrics") == "/metrics");
}

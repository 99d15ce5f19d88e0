// The confirmation page's routes (issue 10) over a real HttpServer on 127.0.0.1 with a
// fake TR service: GET never uses a token, POST does; malformed tokens look unknown and
// never reach the service; token attempts are rate limited per client address, the
// client being the last X-Forwarded-For hop only behind the trusted proxy.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "daemon/http/server.hpp"
#include "daemon/http/tr_handler.hpp"
#include "daemon/http/tr_page.hpp"
#include "unit/daemon/http/http_test_client.hpp"

using namespace warden;
using namespace warden::http;
using namespace warden::testing;

namespace {

const std::string kToken = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // 160 bits, base32
const std::string kUnknown = "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";

// One valid token for "router-7"; confirming it once releases, then it is used.
struct FakeService {
    std::mutex mutex;
    bool used = false;
    // Counted on the server's thread, read on the test's: atomics and the mutex.
    std::atomic<int> lookups{0};
    std::atomic<int> confirms{0};
    std::string confirmed_by_;

    TokenView view(std::string_view token) {
        TokenView v;
        if (token != kToken) return v;  // Unknown
        if (used) {
            v.state = TokenState::Used;
            return v;
        }
        v.state = TokenState::Valid;
        v.device = "router-7";
        v.effect = "access until 2026-12-02 17:00 UTC";
        return v;
    }

    TrPort port() {
        return {[this](std::string_view token) {
                    std::lock_guard lock(mutex);
                    ++lookups;
                    return view(token);
                },
                [this](std::string_view token, const std::string& peer) {
                    std::lock_guard lock(mutex);
                    ++confirms;
                    confirmed_by_ = peer;
                    auto v = view(token);
                    if (v.state != TokenState::Valid) return v;
                    used = true;
                    v.state = TokenState::Released;
                    v.until = 1796230800;
                    return v;
                }};
    }
    int calls() const { return lookups + confirms; }
    std::string confirmed_by() {
        std::lock_guard lock(mutex);
        return confirmed_by_;
    }
};

struct Fixture {
    FakeService service;
    // The rate limiter's clock: a test moves it forward (minutes since a fixed start).
    std::atomic<int> minutes_passed{0};
    boost::asio::io_context io;
    std::unique_ptr<HttpServer> server;
    std::thread thread;

    explicit Fixture(std::size_t attempts = 100, std::string trusted_proxy = "") {
        const auto start = RateLimiter::Clock::now();
        TrHandlerOptions options{attempts, std::move(trusted_proxy), [this, start] {
                                     return start + std::chrono::seconds(minutes_passed * 60);
                                 }};
        server = std::make_unique<HttpServer>(io, HttpOptions{"127.0.0.1:0", {}},
                                              make_tr_handler(service.port(), options));
        server->start();
        thread = std::thread([this] { io.run(); });
    }
    ~Fixture() {
        boost::asio::post(io, [this] {
            server->stop();
            io.stop();
        });
        thread.join();
    }
    Reply get(const std::string& path, const std::string& extra = "") {
        return exchange(server->local_endpoint().port(),
                        "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n");
    }
    Reply post(const std::string& path, const std::string& extra = "") {
        return exchange(server->local_endpoint().port(),
                        "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + extra +
                            "Content-Type: application/x-www-form-urlencoded\r\n"
                            "Content-Length: 0\r\n\r\n");
    }
};

std::string forwarded(const std::string& hops) {
    return "X-Forwarded-For: " + hops + "\r\n";
}

}  // namespace

TEST_CASE("tr handler: GET shows the token's page and never uses the token") {
    Fixture f;
    for (int i = 0; i < 3; ++i) {
        const auto r = f.get("/tr/" + kToken);
        CHECK(r.status == 200);
        CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
        CHECK(r.body.find("router-7") != std::string::npos);
        CHECK(r.body.find("<button") != std::string::npos);
    }
    CHECK(f.service.lookups == 3);
    CHECK(f.service.confirms == 0);
}

TEST_CASE("tr handler: HEAD looks up too, with the GET's length and no body") {
    Fixture f;
    auto fd = connect_tcp(f.server->local_endpoint().port());
    REQUIRE(send_all(fd.get(), "HEAD /tr/" + kToken + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto head = read_reply(fd.get(), true);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("Content-Length") == std::to_string(f.get("/tr/" + kToken).body.size()));
    CHECK(f.service.confirms == 0);
}

TEST_CASE("tr handler: POST confirms once, then the token is used") {
    Fixture f;
    const auto released = f.post("/tr/" + kToken);
    CHECK(released.status == 200);
    CHECK(released.body.find("Access released") != std::string::npos);
    CHECK(released.body.find("2026-12-02 17:00 UTC") != std::string::npos);
    CHECK(f.service.confirmed_by() == "127.0.0.1");
    const auto again = f.post("/tr/" + kToken);
    CHECK(again.status == 410);
    CHECK(again.body.find("already been used") != std::string::npos);
    CHECK(again.body.find("router-7") == std::string::npos);
    const auto page = f.get("/tr/" + kToken);
    CHECK(page.status == 410);
    CHECK(page.body.find("router-7") == std::string::npos);
}

TEST_CASE("tr handler: a malformed token gets the unknown page without a look-up") {
    Fixture f;
    const auto unknown = f.get("/tr/" + kUnknown);
    CHECK(unknown.status == 404);
    CHECK(unknown.body == tr_state_page(TokenState::Unknown).body);
    const int calls = f.service.calls();
    for (const std::string& path : std::vector<std::string>{
             "/tr/", "/tr/short", "/tr/" + kToken + "%00", "/tr/" + kToken + "/x",
             "/tr/" + std::string(129, 'A'), "/tr/..%2F..%2Fetc%2Fpasswd%2Fxxxxxxxxxx",
             "/tr/ABCDEFGHIJKLMNOPQRST.UVW"}) {
        INFO(path);
        for (const auto& r : {f.get(path), f.post(path)}) {
            CHECK(r.status == unknown.status);
            CHECK(r.body == unknown.body);
        }
    }
    CHECK(f.service.calls() == calls);
    CHECK(f.get("/tr/" + std::string(128, 'A')).body == unknown.body);  // longest: looked up
    CHECK(f.service.calls() == calls + 1);
}

TEST_CASE("tr handler: /, other paths and methods") {
    Fixture f;
    const auto home = f.get("/");
    CHECK(home.status == 200);
    CHECK(home.body.find("time-restricted VPN access") != std::string::npos);
    CHECK(f.get("/tr").status == 404);
    CHECK(f.get("/favicon.ico").status == 404);
    CHECK(f.get("/TR/" + kToken).status == 404);
    const auto post_home = f.post("/");
    CHECK(post_home.status == 405);
    CHECK(post_home.header("Allow") == "GET, HEAD");
    CHECK(f.service.calls() == 0);
}

TEST_CASE("tr handler: token attempts are limited per address, GET and POST alike") {
    Fixture f(3);
    CHECK(f.get("/tr/" + kUnknown).status == 404);
    CHECK(f.post("/tr/" + kUnknown).status == 404);
    CHECK(f.get("/tr/bad").status == 404);  // malformed guesses count too
    const int calls = f.service.calls();
    const auto limited = f.get("/tr/" + kToken);
    CHECK(limited.status == 429);
    CHECK(limited.header("Retry-After") == "20");  // one attempt back every 60 s / 3
    CHECK(f.post("/tr/" + kToken).status == 429);
    CHECK(f.service.calls() == calls);  // refused before any look-up
    CHECK(f.get("/").status == 200);    // other pages are not token attempts
    f.minutes_passed = 1;               // the bucket refills
    CHECK(f.get("/tr/" + kToken).status == 200);
}

TEST_CASE("tr handler: X-Forwarded-For counts only from the trusted proxy") {
    SECTION("no trusted proxy: the header is ignored, every request is 127.0.0.1's") {
        Fixture f(2);
        CHECK(f.get("/tr/" + kUnknown, forwarded("192.0.2.1")).status == 404);
        CHECK(f.get("/tr/" + kUnknown, forwarded("192.0.2.2")).status == 404);
        CHECK(f.get("/tr/" + kUnknown, forwarded("192.0.2.3")).status == 429);
        CHECK(f.post("/tr/" + kToken, forwarded("192.0.2.4")).status == 429);
    }
    SECTION("another proxy is trusted: the header is ignored") {
        Fixture f(2, "192.0.2.99");
        CHECK(f.get("/tr/" + kUnknown, forwarded("192.0.2.1")).status == 404);
        CHECK(f.get("/tr/" + kUnknown, forwarded("192.0.2.2")).status == 404);
        CHECK(f.get("/tr/" + kUnknown, forwarded("192.0.2.3")).status == 429);
    }
    SECTION("behind the trusted proxy: the last hop is the client") {
        Fixture f(2, "127.0.0.1");
        // A client's own X-Forwarded-For text comes first; only the proxy's hop counts.
        CHECK(f.get("/tr/" + kUnknown, forwarded("10.0.0.1, 198.51.100.7")).status == 404);
        CHECK(f.get("/tr/" + kUnknown, forwarded("10.0.0.2,198.51.100.7")).status == 404);
        CHECK(f.get("/tr/" + kUnknown, forwarded("10.0.0.3, 198.51.100.7")).status == 429);
        // Another client behind the same proxy has its own attempts.
        CHECK(f.post("/tr/" + kToken, forwarded("203.0.113.5")).status == 200);
        CHECK(f.service.confirmed_by() == "203.0.113.5");
    }
}

TEST_CASE("tr handler: client_address and loggable_path") {
    HttpRequest req;
    req.peer = "127.0.0.1";
    req.headers = {{"x-forwarded-for", "1.1.1.1"}, {"x-forwarded-for", " 9.9.9.9 , 2001:db8::7 "}};
    CHECK(client_address(req, "") == "127.0.0.1");
    CHECK(client_address(req, "127.0.0.2") == "127.0.0.1");
    CHECK(client_address(req, "127.0.0.1") == "2001:db8::7");
    CHECK(client_address(req, "::ffff:127.0.0.1") == "2001:db8::7");
    req.headers = {{"x-forwarded-for", "1.1.1.1, not-an-address"}};
    CHECK(client_address(req, "127.0.0.1") == "127.0.0.1");  // the proxy's own bucket
    req.headers = {{"x-forwarded-for", "::ffff:192.0.2.1"}};
    CHECK(client_address(req, "127.0.0.1") == "192.0.2.1");
    req.headers.clear();
    CHECK(client_address(req, "127.0.0.1") == "127.0.0.1");
    req.peer = "unknown";
    req.headers = {{"x-forwarded-for", "192.0.2.1"}};
    CHECK(client_address(req, "garbage") == "unknown");

    CHECK(loggable_path("/tr/" + kToken) == "/tr/ABCD...");
    CHECK(loggable_path("/tr/AB") == "/tr/AB");
    CHECK(loggable_path("/") == "/");
}

TEST_CASE("tr handler: token syntax") {
    CHECK(token_syntax_ok(kToken));
    CHECK(token_syntax_ok("0123456789abcdef0123456789abcdef"));  // hex
    CHECK(token_syntax_ok("q83vEjRWeJq83vEjRWeJ-_"));            // base64url, 22 chars
    CHECK_FALSE(token_syntax_ok("q83vEjRWeJq83vEjRWe"));         // 19 chars
    CHECK_FALSE(token_syntax_ok(std::string(129, 'a')));
    CHECK_FALSE(token_syntax_ok("ABCDEFGHIJKLMNOPQRSTU="));
    CHECK_FALSE(token_syntax_ok("ABCDEFGHIJKLMNOPQRST%41"));
}

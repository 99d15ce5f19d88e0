// wardend's confirmation-page wiring (issue 10): off, listening, and refusing an address
// that is taken. Until the TR service is wired in, every token is unknown.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include "daemon/app/http_setup.hpp"

using namespace warden;

TEST_CASE("http setup: listen off starts nothing") {
    boost::asio::io_context io;
    std::unique_ptr<http::HttpServer> server;
    core::HttpConfig config;
    config.listen = "off";
    CHECK(app::start_http(io, config, app::unknown_tokens_port(), server));
    CHECK(server == nullptr);
}

TEST_CASE("http setup: listens where configured, refuses an address in use") {
    boost::asio::io_context io;
    std::unique_ptr<http::HttpServer> first;
    core::HttpConfig config;
    config.listen = "127.0.0.1:0";
    REQUIRE(app::start_http(io, config, app::unknown_tokens_port(), first));
    REQUIRE(first);
    const auto port = first->local_endpoint().port();
    CHECK(port != 0);

    std::unique_ptr<http::HttpServer> second;
    config.listen = "127.0.0.1:" + std::to_string(port);
    CHECK_FALSE(app::start_http(io, config, app::unknown_tokens_port(), second));
    CHECK(second == nullptr);
}

TEST_CASE("http setup: the stub port knows no token") {
    const auto port = app::unknown_tokens_port();
    CHECK(port.lookup("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").state == http::TokenState::Unknown);
    CHECK(port.confirm("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "127.0.0.1").state ==
          http::TokenState::Unknown);
}

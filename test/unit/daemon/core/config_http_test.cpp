// [http] in wardend.conf (issue 10): defaults, the listen address, the public URL mail
// links start with, the rate limit and the trusted reverse proxy.
#include <catch2/catch.hpp>

#include "daemon/core/config.hpp"
#include "daemon/core/http_settings.hpp"

using namespace warden::core;

namespace {

ConfigResult parse_http(const std::string& http_table) {
    return parse_config("[vpn]\nremote = \"vpn.example.com\"\n[http]\n" + http_table);
}

std::string error_of(const std::string& http_table) {
    return parse_http(http_table).error;
}

}  // namespace

TEST_CASE("config http: without [http] the page listens on 127.0.0.1:8088") {
    auto r = parse_config("[vpn]\nremote = \"vpn.example.com\"\n");
    REQUIRE(r.config);
    CHECK(r.config->http.listen == "127.0.0.1:8088");
    CHECK(r.config->http.public_url == "http://127.0.0.1:8088");
    CHECK(r.config->http.token_attempts_per_minute == 10);
    CHECK(r.config->http.trusted_proxy.empty());
}

TEST_CASE("config http: a full [http] table parses, public_url loses its trailing slash") {
    auto r = parse_http(R"(listen = "[::1]:9000"
public_url = "https://vpn.example.org:8443/warden/"
token_attempts_per_minute = 3
trusted_proxy = "::1"
)");
    REQUIRE(r.error == "");
    const auto& h = r.config->http;
    CHECK(h.listen == "[::1]:9000");
    CHECK(h.public_url == "https://vpn.example.org:8443/warden");
    CHECK(h.token_attempts_per_minute == 3);
    CHECK(h.trusted_proxy == "::1");
    CHECK(parse_http("listen = \"[::1]:9000\"\n").config->http.public_url == "http://[::1]:9000");
}

TEST_CASE("config http: off or empty listen switches the page off, with no default URL") {
    for (const char* off : {"listen = \"off\"\n", "listen = \"\"\n"}) {
        auto r = parse_http(off);
        REQUIRE(r.config);
        CHECK(http_listen_off(r.config->http.listen));
        CHECK(r.config->http.public_url.empty());
    }
}

TEST_CASE("config http: a bad listen address is refused at load") {
    for (const char* bad : {"localhost:8088", "127.0.0.1", "::1:8088", "127.0.0.1:65536",
                            "127.0.0.1:08", "[::1]8088", "[x::y]:80", "300.1.1.1:80"}) {
        INFO(bad);
        CHECK(error_of(std::string("listen = \"") + bad + "\"\n").find("http.listen") !=
              std::string::npos);
    }
    CHECK(error_of("listen = \"0.0.0.0:0\"\n") == "");
}

TEST_CASE("config http: public_url must be http(s)://host[:port][/prefix]") {
    const char* good[] = {"http://127.0.0.1:8088", "https://vpn.example.org",
                          "https://vpn.example.org/warden", "https://[2001:db8::1]:8443/w",
                          "HTTP://x"};
    const char* bad[] = {"ftp://vpn.example.org",
                         "https://vpn.example.org/?a=1",
                         "https://vpn.example.org/#top",
                         "https://user@vpn.example.org",
                         "https://",
                         "https://vpn.example.org:0",
                         "https://vpn.example.org:99999",
                         "https://bad_host.example",
                         "https://[::1",
                         "https://vpn.example.org/a b",
                         "https://vpn.example.org/<script>",
                         "vpn.example.org"};
    for (const char* url : good) {
        INFO(url);
        // The scheme is matched in lower case only: "HTTP://" is refused too.
        const bool lower = std::string(url).rfind("http", 0) == 0;
        CHECK((error_of(std::string("public_url = \"") + url + "\"\n") == "") == lower);
    }
    for (const char* url : bad) {
        INFO(url);
        CHECK(error_of(std::string("public_url = \"") + url + "\"\n").find("http.public_url") !=
              std::string::npos);
    }
}

TEST_CASE("config http: other checks") {
    CHECK(error_of("trusted_proxy = \"proxy.local\"\n").find("http.trusted_proxy") !=
          std::string::npos);
    CHECK(error_of("token_attempts_per_minute = 0\n").find("http.token_attempts_per_minute") !=
          std::string::npos);
    CHECK(error_of("lisen = \"127.0.0.1:1\"\n").find("unknown key http.lisen") !=
          std::string::npos);
    CHECK(parse_config("http = 1\n[vpn]\nremote = \"x\"\n").error.find("http") !=
          std::string::npos);
}

TEST_CASE("config http: render_config keeps the [http] settings") {
    auto c = *parse_http(R"(listen = "0.0.0.0:8080"
public_url = "https://vpn.example.org/w"
trusted_proxy = "10.0.0.1"
token_attempts_per_minute = 4
)")
                  .config;
    auto back = parse_config(render_config(c));
    REQUIRE(back.error == "");
    CHECK(back.config->http.listen == "0.0.0.0:8080");
    CHECK(back.config->http.public_url == "https://vpn.example.org/w");
    CHECK(back.config->http.trusted_proxy == "10.0.0.1");
    CHECK(back.config->http.token_attempts_per_minute == 4);
    auto defaults = parse_config(render_config(*parse_http("").config));
    REQUIRE(defaults.config);
    CHECK(defaults.config->http.public_url == "http://127.0.0.1:8088");
}

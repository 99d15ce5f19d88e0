#include <catch2/catch.hpp>

#include "common/endpoint.hpp"

using namespace warden;

TEST_CASE("endpoints from OpenVPN's env: IPv4 as ip:port, IPv6 as [ip]:port") {
    CHECK(endpoint::make("192.0.2.5", "40000") == "192.0.2.5:40000");
    CHECK(endpoint::make("fd00:251::2", "48293") == "[fd00:251::2]:48293");
    CHECK(endpoint::make("FD00:0251:0:0:0:0:0:0002", "1") == "[fd00:251::2]:1");
    CHECK(endpoint::make("[fd00::2]", "1194") == "[fd00::2]:1194");
    CHECK(endpoint::make("::ffff:10.251.1.2", "43443") == "10.251.1.2:43443");
    CHECK_FALSE(endpoint::make("", "1"));
    CHECK_FALSE(endpoint::make("192.0.2.5", ""));
    CHECK_FALSE(endpoint::make("192.0.2.5", "65536"));
    CHECK_FALSE(endpoint::make("192.0.2.5", "-1"));
    CHECK_FALSE(endpoint::make("host.example", "1"));
    CHECK_FALSE(endpoint::make("fd00::2%eth0", "1"));
}

TEST_CASE("endpoint text in the forms OpenVPN prints normalizes to one spelling") {
    CHECK(endpoint::normalize("10.251.1.2:43443") == "10.251.1.2:43443");
    CHECK(endpoint::normalize("[AF_INET]10.251.1.2:43443") == "10.251.1.2:43443");
    CHECK(endpoint::normalize("[AF_INET6]fd00::2:1194") == "[fd00::2]:1194");
    CHECK(endpoint::normalize("[FD00::2]:1194") == "[fd00::2]:1194");
    CHECK(endpoint::normalize("::ffff:10.0.0.1:5") == "10.0.0.1:5");
    CHECK_FALSE(endpoint::normalize("10.251.1.2"));
    CHECK_FALSE(endpoint::normalize(""));
    CHECK(endpoint::canonical("not an address") == "not an address");
}

TEST_CASE("the management interface's IPv6 real address has no port") {
    // OpenVPN 2.6.14, status 3 of a client over IPv6 (see endpoint.hpp).
    CHECK(endpoint::reported("fd00:251::2") == "[fd00:251::2]");
    CHECK(endpoint::reported("fd00::1:2") == "[fd00::1:2]");  // not "[fd00::1]:2"
    CHECK(endpoint::reported("[fd00::2]:1194") == "[fd00::2]:1194");
    CHECK(endpoint::reported("10.251.1.2:43443") == "10.251.1.2:43443");
    CHECK(endpoint::matches("[fd00:251::2]", "[fd00:251::2]:48293"));
    CHECK(endpoint::matches("10.251.1.2:43443", "10.251.1.2:43443"));
    CHECK_FALSE(endpoint::matches("[fd00:251::2]", "[fd00:251::22]:48293"));
    CHECK_FALSE(endpoint::matches("[fd00:251::2]", "[fd00:251::3]:48293"));
    CHECK_FALSE(endpoint::matches("10.251.1.2:4", "10.251.1.2:43443"));
    CHECK_FALSE(endpoint::matches("", ":1"));
}

TEST_CASE("is_ipv4 tells the families apart") {
    CHECK(endpoint::is_ipv4("10.0.0.1:5"));
    CHECK_FALSE(endpoint::is_ipv4("[fd00::2]:5"));
    CHECK_FALSE(endpoint::is_ipv4("garbage"));
}

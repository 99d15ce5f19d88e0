#include <catch2/catch.hpp>

#include "daemon/core/net.hpp"

using namespace warden::net;

TEST_CASE("IPv4 addresses parse strictly") {
    CHECK(parse_ipv4("10.8.0.1") == 0x0a080001u);
    CHECK(parse_ipv4("255.255.255.255") == 0xffffffffu);
    for (const char* bad :
         {"", "10.8.0", "10.8.0.1.", "10.8.0.256", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3"})
        CHECK_FALSE(parse_ipv4(bad));
    CHECK(format_ipv4(0x0a080001u) == "10.8.0.1");
}

TEST_CASE("networks accept a prefix or a netmask") {
    auto a = parse_network("192.168.1.0/24");
    auto b = parse_network("192.168.1.0/255.255.255.0");
    auto c = parse_network("192.168.1.0 255.255.255.0");
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(a->prefix == 24);
    CHECK(b->prefix == 24);
    CHECK(c->address == a->address);
    CHECK(a->to_string() == "192.168.1.0/24");
    CHECK(a->netmask() == 0xffffff00u);
    for (const char* bad : {"192.168.1.1/24", "192.168.1.0/33", "192.168.1.0/255.0.255.0",
                            "192.168.1.0", "192.168.1.0/", "x/24", "192.168.1.0/24x"})
        CHECK_FALSE(parse_network(bad));
}

TEST_CASE("networks know containment and overlap") {
    auto pool = *parse_network("10.8.0.0/24");
    CHECK(pool.contains(0x0a080005));
    CHECK_FALSE(pool.contains(0x0a080105));
    CHECK(pool.overlaps(*parse_network("10.8.0.128/25")));
    CHECK(pool.overlaps(*parse_network("10.0.0.0/8")));
    CHECK_FALSE(pool.overlaps(*parse_network("10.8.1.0/24")));
}

#include <catch2/catch.hpp>

#include "daemon/firewall/ports.hpp"

using namespace warden::firewall;

TEST_CASE("ports: lists and ranges are parsed, sorted and merged") {
    auto r = parse_ports("443,80,1000-2000");
    REQUIRE(r.ok());
    REQUIRE(r.ranges.size() == 3);
    CHECK(r.ranges[0] == PortRange{80, 80});
    CHECK(r.ranges[1] == PortRange{443, 443});
    CHECK(r.ranges[2] == PortRange{1000, 2000});
    CHECK(format_ports(r.ranges) == "80,443,1000-2000");

    // Overlapping and adjacent entries become one range.
    CHECK(format_ports(parse_ports("1000-2000,1500-2500,2501,7").ranges) == "7,1000-2501");
    CHECK(format_ports(parse_ports("65535,1").ranges) == "1,65535");
    CHECK(format_ports(parse_ports("22-22").ranges) == "22");
}

TEST_CASE("ports: malformed lists are refused, naming the field") {
    for (const char* bad : {"", "0", "65536", "80,", ",80", "a", "80 ,443", "2000-1000", "-5", "5-",
                            "1-2-3", "+80", "99999999999999999999"}) {
        INFO(bad);
        auto r = parse_ports(bad);
        CHECK_FALSE(r.ok());
        CHECK(r.error.rfind("ports: ", 0) == 0);
        CHECK(r.ranges.empty());
    }
    std::string many;
    for (int i = 1; i <= 65; ++i) many += (many.empty() ? "" : ",") + std::to_string(i);
    CHECK(parse_ports(many).error.find("more than 64") != std::string::npos);
    CHECK_FALSE(parse_ports(std::string(2000, '1')).ok());
}

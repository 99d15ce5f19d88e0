// [monitor] in wardend.conf (issue 10): offline_after, its default and its bounds.
#include <catch2/catch.hpp>

#include "daemon/core/config.hpp"

using namespace warden::core;

namespace {

ConfigResult parse_monitor(const std::string& table) {
    return parse_config("[vpn]\nremote = \"vpn.example.com\"\n[monitor]\n" + table);
}

}  // namespace

TEST_CASE("config: without [monitor] a device is reported after 5 minutes offline") {
    auto r = parse_config("[vpn]\nremote = \"vpn.example.com\"\n");
    REQUIRE(r.config);
    CHECK(r.config->monitor.offline_after == 300);
}

TEST_CASE("config: [monitor] offline_after takes a duration, down to one second") {
    CHECK(parse_monitor("offline_after = \"10m\"").config->monitor.offline_after == 600);
    CHECK(parse_monitor("offline_after = \"2s\"").config->monitor.offline_after == 2);
    CHECK(parse_monitor("offline_after = \"1s\"").config->monitor.offline_after == 1);
}

TEST_CASE("config: [monitor] refuses what is not a usable duration, and unknown keys") {
    CHECK(parse_monitor("offline_after = \"0s\"").error ==
          "line 4: monitor.offline_after: expected a duration such as 90s, 30m, 2h, 7d");
    CHECK(parse_monitor("offline_after = 300").error ==
          "line 4: monitor.offline_after: expected a string");
    CHECK(parse_monitor("offline_after = \"31d\"").error ==
          "line 4: monitor.offline_after: expected a duration such as 90s, 30m, 2h, 7d");
    CHECK(parse_monitor("ofline_after = \"5m\"").error ==
          "line 4: unknown key monitor.ofline_after");
    CHECK(parse_config("monitor = 3\n[vpn]\nremote = \"x\"\n").error ==
          "line 1: monitor: expected a table");
}

TEST_CASE("config: render_config writes [monitor] back so that it parses the same") {
    auto r = parse_monitor("offline_after = \"90s\"");
    REQUIRE(r.config);
    auto again = parse_config(render_config(*r.config));
    REQUIRE(again.error == "");
    CHECK(again.config->monitor.offline_after == 90);
}

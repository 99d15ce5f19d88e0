#include <catch2/catch.hpp>

#include "daemon/core/config.hpp"

using namespace warden::core;

TEST_CASE("config: firewall section defaults, values, round trip and refusals") {
    auto defaults = parse_config("[vpn]\nremote = \"x\"\n");
    REQUIRE(defaults.config);
    CHECK(defaults.config->firewall.enabled);
    CHECK(defaults.config->firewall.table == "warden");
    CHECK_FALSE(defaults.config->firewall.remove_on_stop);

    auto set = parse_config(
        "[vpn]\nremote = \"x\"\n[firewall]\nenabled = false\ntable = \"w_2\"\nremove_on_stop = "
        "true\n");
    REQUIRE(set.error == "");
    CHECK_FALSE(set.config->firewall.enabled);
    CHECK(set.config->firewall.table == "w_2");
    CHECK(set.config->firewall.remove_on_stop);

    Config c;
    c.remote = "r";
    c.firewall = {false, "site1", true};
    c.instances.push_back({"default", "/run/x.sock"});
    auto back = parse_config(render_config(c));
    REQUIRE(back.error == "");
    CHECK_FALSE(back.config->firewall.enabled);
    CHECK(back.config->firewall.table == "site1");
    CHECK(back.config->firewall.remove_on_stop);
    CHECK(back.config->instances.size() == 1);

    for (const char* bad : {"[firewall]\nenabled = 1\n", "[firewall]\ntable = \"a b\"\n",
                            "[firewall]\ntable = \"\"\n", "[firewall]\ntable = \"1x\"\n",
                            "[firewall]\nbogus = true\n"}) {
        INFO(bad);
        auto r = parse_config(std::string("[vpn]\nremote = \"x\"\n") + bad);
        CHECK_FALSE(r.config);
        CHECK(r.error.find("firewall.") != std::string::npos);
    }
    {
        auto r = parse_config("firewall = 3\n[vpn]\nremote = \"x\"\n");
        CHECK_FALSE(r.config);
        CHECK(r.error.find("firewall") != std::string::npos);
    }
}

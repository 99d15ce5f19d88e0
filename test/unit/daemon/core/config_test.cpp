#include <catch2/catch.hpp>

#include "daemon/core/config.hpp"

using namespace warden::core;

TEST_CASE("a full config parses") {
    auto r = parse_config(R"(
state_dir = "/tmp/w"
admin_socket = "/tmp/w/admin.sock"
plugin_socket_group = "nogroup"
plugin_socket_user = "nobody"
admin_max_connections = 8
admin_max_connections_per_user = 2
admin_idle_timeout = "90s"
[vpn]
remote = "vpn.example.com"
port = 1195
proto = "tcp"
pool = "10.9.0.0/255.255.0.0"
[[instance]]
name = "main"
management = "/tmp/w/mgmt.sock"
[testing]
verdict_delay_ms = 50
)");
    REQUIRE(r.error == "");
    REQUIRE(r.config);
    CHECK(r.config->state_dir == "/tmp/w");
    CHECK(r.config->plugin_socket_group == "nogroup");
    CHECK(r.config->plugin_socket_user == "nobody");
    CHECK(r.config->admin_max_connections == 8);
    CHECK(r.config->admin_max_connections_per_user == 2);
    CHECK(r.config->admin_idle_timeout == 90);
    CHECK(r.config->port == 1195);
    CHECK(r.config->proto == "tcp");
    CHECK(r.config->pool.prefix == 16);
    REQUIRE(r.config->instances.size() == 1);
    CHECK(r.config->instances[0].management_socket == "/tmp/w/mgmt.sock");
    CHECK(r.config->testing_verdict_delay_ms == 50);
    CHECK(r.config->database_path() == "/tmp/w/warden.db");
}

TEST_CASE("rendered configs parse back to the same values") {
    Config c;
    c.state_dir = "/srv/warden \"quoted\"";
    c.remote = "10.0.0.1";
    c.instances.push_back({"default", "/run/x.sock"});
    auto r = parse_config(render_config(c));
    REQUIRE(r.error == "");
    CHECK(r.config->state_dir == c.state_dir);
    CHECK(r.config->remote == "10.0.0.1");
    CHECK(r.config->instances.at(0).name == "default");
}

TEST_CASE("invalid configs are refused with the line and key") {
    struct Case {
        const char* text;
        const char* expect;
    };
    const Case cases[] = {
        {"[vpn]\nremote = \"x\"\nport = 0\n", "line 3: vpn.port"},
        {"[vpn]\nremote = \"x\"\nproto = \"sctp\"\n", "vpn.proto"},
        {"[vpn]\nremote = \"x\"\npool = \"10.8.0.1/24\"\n", "vpn.pool"},
        {"[vpn]\nremote = \"x\"\nbogus = 1\n", "unknown key vpn.bogus"},
        {"typo = 1\n[vpn]\nremote = \"x\"\n", "unknown key typo"},
        {"[vpn]\nport = 1\n", "vpn.remote: required"},
        {"[vpn\nremote = 1", "line 1"},
        {"[vpn]\nremote = \"x\"\n[[instance]]\nname = \"a\"\n", "instance.management: required"},
        {"state_dir = 5\n[vpn]\nremote = \"x\"\n", "state_dir: expected a string"},
    };
    for (const auto& c : cases) {
        auto r = parse_config(c.text);
        INFO(c.text);
        CHECK_FALSE(r.config);
        CHECK(r.error.find(c.expect) != std::string::npos);
    }
}

TEST_CASE("device settings: [devices] default_code and [pki] expiry_warning_days") {
    auto r = parse_config(
        "[vpn]\nremote = \"x\"\n[devices]\ndefault_code = \"abc-123\"\n[pki]\n"
        "expiry_warning_days = 14\n");
    REQUIRE(r.error == "");
    CHECK(r.config->default_device_code == "abc-123");
    CHECK(r.config->expiry_warning_days == 14);
    auto defaults = parse_config("[vpn]\nremote = \"x\"\n");
    CHECK(defaults.config->default_device_code.empty());
    CHECK(defaults.config->expiry_warning_days == 30);
    CHECK(parse_config("[vpn]\nremote = \"x\"\n[pki]\nexpiry_warning_days = -1\n")
              .error.find("pki.expiry_warning_days") != std::string::npos);
    CHECK(parse_config("[vpn]\nremote = \"x\"\n[devices]\ncode = \"a\"\n")
              .error.find("unknown key devices.code") != std::string::npos);
    Config c;
    c.remote = "x";
    c.expiry_warning_days = 7;
    CHECK(parse_config(render_config(c)).config->expiry_warning_days == 7);
}

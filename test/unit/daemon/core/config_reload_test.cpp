#include <catch2/catch.hpp>

#include <algorithm>

#include "daemon/core/config_reload.hpp"

using namespace warden::core;

namespace {

Config parsed(const std::string& text) {
    auto r = parse_config(text);
    REQUIRE(r.error == "");
    return *r.config;
}

bool contains(const std::vector<std::string>& list, const std::string& key) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

const char* kBase = R"(
state_dir = "/tmp/w"
log_level = "info"
[vpn]
remote = "vpn.example.com"
[auth]
otp_ttl = "2h"
[pki]
expiry_warning_days = 30
)";

}  // namespace

TEST_CASE("an unchanged file changes nothing on reload") {
    Config live = parsed(kBase);
    const ReloadPlan plan = apply_reload(live, parsed(kBase));
    CHECK(plan.applied.empty());
    CHECK(plan.need_restart.empty());
}

TEST_CASE("reloadable keys are taken over, the others only reported") {
    Config live = parsed(kBase);
    const Config fresh = parsed(R"(
state_dir = "/srv/other"
log_level = "debug"
admin_socket = "/run/other.sock"
[vpn]
remote = "vpn2.example.com"
port = 1195
pool = "10.9.0.0/24"
[auth]
otp_ttl = "30m"
static_challenge = "Code"
max_failures = 3
[devices]
default_code = "1234"
[pki]
expiry_warning_days = 10
[firewall]
table = "other"
)");
    const ReloadPlan plan = apply_reload(live, fresh);
    for (const char* key :
         {"log_level", "vpn.remote", "vpn.port", "auth.otp_ttl", "auth.static_challenge",
          "devices.default_code", "pki.expiry_warning_days"})
        CHECK(contains(plan.applied, key));
    CHECK(plan.applied.size() == 7);
    CHECK(live.log_level == "debug");
    CHECK(live.remote == "vpn2.example.com");
    CHECK(live.port == 1195);
    CHECK(live.auth.otp_ttl == 1800);
    CHECK(live.auth.static_challenge == "Code");
    CHECK(live.default_device_code == "1234");
    CHECK(live.expiry_warning_days == 10);

    for (const char* key :
         {"state_dir", "admin_socket", "vpn.pool", "auth.max_failures", "firewall.table"})
        CHECK(contains(plan.need_restart, key));
    CHECK(plan.need_restart.size() == 5);
    // What the running daemon was built with stays as it was.
    CHECK(live.state_dir == "/tmp/w");
    CHECK(live.admin_socket == "/run/warden/admin.sock");
    CHECK(live.pool.to_string() == "10.8.0.0/24");
    CHECK(live.auth.max_failures == 5);
    CHECK(live.firewall.table == "warden");
}

TEST_CASE("a mail or instance change needs a restart") {
    Config live = parsed(kBase);
    const Config fresh = parsed(std::string(kBase) + R"(
[[instance]]
name = "b"
management = "/run/b.mgmt"
[mail]
server = "smtp.example.org"
)");
    const ReloadPlan plan = apply_reload(live, fresh);
    CHECK(plan.applied.empty());
    CHECK(contains(plan.need_restart, "instance"));
    CHECK(contains(plan.need_restart, "mail"));
    CHECK(live.instances.empty());
}

TEST_CASE("an [http] or [monitor] change needs a restart") {
    Config live = parsed(kBase);
    const Config fresh = parsed(std::string(kBase) + R"(
[http]
listen = "127.0.0.1:9099"
[monitor]
offline_after = "10m"
)");
    const ReloadPlan plan = apply_reload(live, fresh);
    CHECK(plan.applied.empty());
    CHECK(contains(plan.need_restart, "http"));
    CHECK(contains(plan.need_restart, "monitor.offline_after"));
    CHECK(live.http.listen == "127.0.0.1:8088");
}

TEST_CASE("reloadable_keys lists exactly the keys a reload takes over") {
    const auto& keys = reloadable_keys();
    CHECK(keys.size() == 12);
    CHECK(std::find(keys.begin(), keys.end(), "log_level") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "log.syslog") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "state_dir") == keys.end());
}

TEST_CASE("log levels by name, unknown ones as info") {
    CHECK(log_level_of("debug") == warden::log::Level::Debug);
    CHECK(log_level_of("warning") == warden::log::Level::Warning);
    CHECK(log_level_of("error") == warden::log::Level::Error);
    CHECK(log_level_of("info") == warden::log::Level::Info);
    CHECK(log_level_of("loud") == warden::log::Level::Info);
}

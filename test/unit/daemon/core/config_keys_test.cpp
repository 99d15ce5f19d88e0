#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "daemon/core/config.hpp"

using namespace warden::core;

namespace {

// A document that sets KEY (dotted) to a value of no type the parser takes (an inline
// table), so the parser must name the key in its complaint.
std::string document_setting(const std::string& key) {
    const auto dot = key.find('.');
    if (dot == std::string::npos) return key + " = {}\n";
    const std::string table = key.substr(0, dot);
    const std::string header = table == "instance" ? "[[instance]]" : "[" + table + "]";
    return header + "\n" + key.substr(dot + 1) + " = {}\n";
}

}  // namespace

TEST_CASE("config_keys lists the keys of every table, once each") {
    const auto keys = config_keys();
    const std::set<std::string> unique(keys.begin(), keys.end());
    CHECK(unique.size() == keys.size());
    for (const char* key : {"state_dir",
                            "log_level",
                            "admin_idle_timeout",
                            "vpn.remote",
                            "vpn.crl_days",
                            "auth.static_challenge",
                            "instance.name",
                            "instance.management",
                            "instance.tun",
                            "devices.default_code",
                            "pki.expiry_warning_days",
                            "firewall.remove_on_stop",
                            "http.trusted_proxy",
                            "mail.operator",
                            "mail.timeout",
                            "monitor.offline_after",
                            "enroll.min_client_version",
                            "enroll.max_pending",
                            "tr.resend_interval",
                            "testing.verdict_delay_ms"})
        CHECK(unique.count(key) == 1);
    // Tables are not keys.
    CHECK(unique.count("vpn") == 0);
    CHECK(unique.count("instance") == 0);
}

TEST_CASE("the parser knows every key config_keys lists") {
    for (const auto& key : config_keys()) {
        INFO(key);
        const auto r = parse_config(document_setting(key));
        CHECK_FALSE(r.config);
        CHECK(r.error.find(key + ": expected") != std::string::npos);
        CHECK(r.error.find("unknown key") == std::string::npos);
    }
}

TEST_CASE("a key config_keys does not list is unknown to the parser") {
    const auto keys = config_keys();
    for (const std::string key : {"vpn.remotes", "colour", "mail.password", "instance.dev"}) {
        INFO(key);
        CHECK(std::find(keys.begin(), keys.end(), key) == keys.end());
        CHECK(parse_config(document_setting(key)).error.find("unknown key " + key) !=
              std::string::npos);
    }
}

TEST_CASE("listing the keys leaves the parser judging values again") {
    (void)config_keys();
    auto r = parse_config("[vpn]\nremote = \"vpn.example.org\"\nport = 0\n");
    CHECK(r.error == "line 3: vpn.port: expected an integer in 1..65535");
    r = parse_config("log_level = \"info\"\n");
    CHECK(r.error == "line 0: vpn.remote: required");
}

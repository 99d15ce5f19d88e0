// [log] syslog: the activity line's format and escaping, the RFC 3164 framing, and the
// [log] table's keys (beside the top-level log_level).
#include <catch2/catch.hpp>

#include <syslog.h>

#include <utility>
#include <vector>

#include "daemon/core/activity_syslog_format.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/config_reload.hpp"

using namespace warden::core;
using warden::model::ActivityEntry;

namespace {

ActivityEntry entry(std::string actor, std::string action, std::string object,
                    std::string details) {
    return {
        7, 1796210000, std::move(actor), std::move(action), std::move(object), std::move(details)};
}

ConfigResult parse(const std::string& extra) {
    return parse_config("log_level = \"debug\"\n[vpn]\nremote = \"vpn.example.com\"\n" + extra);
}

}  // namespace

TEST_CASE("activity syslog: one line, fixed keys in order, plain values bare") {
    CHECK(activity_syslog_message(entry("root", "device.add", "laptop", "")) ==
          "activity id=7 at=2026-12-02T11:13:20Z actor=root action=device.add object=laptop "
          "details=\"\"");
    CHECK(activity_syslog_message(entry("wardend", "cert.revoke", "pc", "serial=0A")) ==
          "activity id=7 at=2026-12-02T11:13:20Z actor=wardend action=cert.revoke object=pc "
          "details=\"serial=0A\"");
}

TEST_CASE("activity syslog: a value cannot forge a field or a second line") {
    const std::string line = activity_syslog_message(
        entry("root", "device.add", "x\" actor=admin", "a\nactivity id=8 actor=evil\r\\\x7f"));
    CHECK(line ==
          "activity id=7 at=2026-12-02T11:13:20Z actor=root action=device.add "
          "object=\"x\\\" actor=admin\" details=\"a\\x0aactivity id=8 actor=evil\\x0d\\\\\\x7f\"");
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    // A trailing backslash is quoted and doubled: it cannot escape the closing quote.
    CHECK(activity_syslog_message(entry("root", "a", "o\\", "d")).find("object=\"o\\\\\" ") !=
          std::string::npos);
}

TEST_CASE("activity syslog: long values are cut at a UTF-8 boundary and marked") {
    std::string details(kSyslogValueMax - 1, 'a');
    details += "\xc3\xa9tail";  // é straddles the limit
    const std::string line = activity_syslog_message(entry("root", "x", "o", details));
    CHECK(line.find(" details=" + std::string(kSyslogValueMax - 1, 'a') + " truncated=1") !=
          std::string::npos);
    CHECK(line.size() < 2 * kSyslogValueMax);
    CHECK(activity_syslog_message(entry("root", "x", "o", std::string(kSyslogValueMax, 'b')))
              .find("truncated") == std::string::npos);
}

TEST_CASE("activity syslog: RFC 3164 datagram as glibc's syslog(3) frames it") {
    std::tm local{};
    local.tm_mon = 11;
    local.tm_mday = 2;
    local.tm_hour = 9;
    local.tm_min = 5;
    local.tm_sec = 7;
    CHECK(rfc3164_datagram(LOG_AUTHPRIV, local, "wardend", 42, "activity id=1") ==
          "<85>Dec  2 09:05:07 wardend[42]: activity id=1");
    CHECK(rfc3164_datagram(LOG_LOCAL3, local, "w", 1, "m").rfind("<157>Dec", 0) == 0);
}

TEST_CASE("activity syslog: facility names and idents") {
    CHECK(syslog_facility("authpriv") == LOG_AUTHPRIV);
    CHECK(syslog_facility("daemon") == LOG_DAEMON);
    CHECK(syslog_facility("local7") == LOG_LOCAL7);
    CHECK_FALSE(syslog_facility("kern"));
    CHECK_FALSE(syslog_facility("LOCAL0"));
    CHECK(syslog_ident_valid("wardend"));
    CHECK(syslog_ident_valid("warden-vpn_1.prod"));
    CHECK_FALSE(syslog_ident_valid(""));
    CHECK_FALSE(syslog_ident_valid("ward end"));
    CHECK_FALSE(syslog_ident_valid("w[1]:"));
    CHECK_FALSE(syslog_ident_valid(std::string(33, 'w')));
}

TEST_CASE("config [log]: defaults, keys, and the top-level log_level beside it") {
    auto plain = parse("");
    REQUIRE(plain.config);
    CHECK_FALSE(plain.config->log.syslog);
    CHECK(plain.config->log.facility == "authpriv");
    CHECK(plain.config->log.ident == "wardend");
    CHECK(plain.config->log.syslog_socket == "/dev/log");

    auto set = parse(
        "[log]\nsyslog = true\nfacility = \"local0\"\nident = \"vpn1\"\nsyslog_socket = "
        "\"/tmp/x.sock\"\n");
    REQUIRE(set.error == "");
    CHECK(set.config->log.syslog);
    CHECK(set.config->log.facility == "local0");
    CHECK(set.config->log.ident == "vpn1");
    CHECK(set.config->log.syslog_socket == "/tmp/x.sock");
    CHECK(set.config->log_level == "debug");

    CHECK(parse("[log]\nsyslog = 1\n").error.find("log.syslog: expected true or false") !=
          std::string::npos);
    CHECK(parse("[log]\nfacility = \"kern\"\n").error.find("log.facility") != std::string::npos);
    CHECK(parse("[log]\nident = \"a b\"\n").error.find("log.ident") != std::string::npos);
    CHECK(parse("[log]\nsyslog_socket = \"dev/log\"\n").error.find("log.syslog_socket") !=
          std::string::npos);
    CHECK(parse("[log]\nlevel = \"info\"\n").error.find("unknown key log.level") !=
          std::string::npos);
    CHECK(parse_config("log = 1\n[vpn]\nremote = \"v\"\n").error.find("log: expected a table") !=
          std::string::npos);
}

TEST_CASE("config [log]: the rendered default config reads back the same") {
    auto c = parse("[log]\nsyslog = true\nfacility = \"daemon\"\nident = \"w2\"\n");
    REQUIRE(c.config);
    const std::string text = render_config(*c.config);
    CHECK(text.find("[log]\nsyslog = true\n") != std::string::npos);
    auto again = parse_config(text);
    REQUIRE(again.error == "");
    CHECK(again.config->log.syslog);
    CHECK(again.config->log.facility == "daemon");
    CHECK(again.config->log.ident == "w2");
    CHECK(again.config->log.syslog_socket == "/dev/log");
    CHECK(again.config->log_level == "debug");
}

TEST_CASE("config [log]: every key is taken over by a reload") {
    Config live = *parse("").config;
    const Config fresh =
        *parse(
             "[log]\nsyslog = true\nfacility = \"local1\"\nident = \"x\"\nsyslog_socket = "
             "\"/run/s\"\n")
             .config;
    const ReloadPlan plan = apply_reload(live, fresh);
    CHECK(plan.applied ==
          std::vector<std::string>{"log.syslog", "log.facility", "log.ident", "log.syslog_socket"});
    CHECK(plan.need_restart.empty());
    CHECK(live.log.syslog);
    CHECK(live.log.facility == "local1");
    CHECK(live.log.ident == "x");
    CHECK(live.log.syslog_socket == "/run/s");
}

namespace {

// A SIEM's view: splits "activity k=v k=\"v\" ..." into fields, undoing the escapes.
std::vector<std::pair<std::string, std::string>> parse_fields(const std::string& line) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = line.find(' ') + 1;
    while (i < line.size()) {
        const std::size_t eq = line.find('=', i);
        std::string key = line.substr(i, eq - i), value;
        i = eq + 1;
        if (line[i] != '"') {
            const std::size_t end = std::min(line.find(' ', i), line.size());
            value = line.substr(i, end - i);
            i = end + 1;
        } else {
            for (++i; line[i] != '"'; ++i) {
                if (line[i] != '\\') {
                    value += line[i];
                } else if (line[i + 1] == 'x') {
                    value += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
                    i += 3;
                } else {
                    value += line[++i];
                }
            }
            i += 2;
        }
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

}  // namespace

TEST_CASE("activity syslog: every byte in every value reads back as six fields") {
    for (int b = 0; b < 256; ++b) {
        const std::string nasty = std::string("a") + static_cast<char>(b) + "b \" x=\\";
        const std::string line = activity_syslog_message(entry(nasty, nasty, nasty, nasty));
        INFO("byte " << b);
        for (char c : line) CHECK((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
        const auto fields = parse_fields(line);
        REQUIRE(fields.size() == 6);
        CHECK(fields[2] == std::make_pair(std::string("actor"), nasty));
        CHECK(fields[5] == std::make_pair(std::string("details"), nasty));
    }
}

// [mail] in wardend.conf (issue 10): defaults, port by security, checks when enabled; and [tr].
#include <catch2/catch.hpp>

#include "daemon/core/config.hpp"

using namespace warden::core;

namespace {

ConfigResult parse_mail(const std::string& mail_table) {
    return parse_config("[vpn]\nremote = \"vpn.example.com\"\n[mail]\n" + mail_table);
}

}  // namespace

TEST_CASE("config: without [mail] mail is off with the documented defaults") {
    auto r = parse_config("[vpn]\nremote = \"vpn.example.com\"\n");
    REQUIRE(r.config);
    const auto& m = r.config->mail;
    CHECK_FALSE(m.enabled);
    CHECK(m.security == "starttls");
    CHECK(m.port == 587);
    CHECK(m.retry_for == 86400);
    CHECK(m.timeout == 30);
}

TEST_CASE("config: a full [mail] table parses") {
    auto r = parse_mail(R"(enabled = true
server = "smtp.example.org"
port = 2525
security = "tls"
user = "warden"
password_file = "/etc/warden/smtp.pass"
ca_file = "/etc/warden/ca.pem"
from = "warden@example.org"
operator = "ops@example.org"
retry_for = "2h"
timeout = "10s"
)");
    REQUIRE(r.error == "");
    const auto& m = r.config->mail;
    CHECK(m.enabled);
    CHECK(m.server == "smtp.example.org");
    CHECK(m.port == 2525);
    CHECK(m.security == "tls");
    CHECK(m.user == "warden");
    CHECK(m.password_file == "/etc/warden/smtp.pass");
    CHECK(m.ca_file == "/etc/warden/ca.pem");
    CHECK(m.from == "warden@example.org");
    CHECK(m.operator_address == "ops@example.org");
    CHECK(m.retry_for == 7200);
    CHECK(m.timeout == 10);
}

TEST_CASE("config: the SMTP port defaults by security") {
    const std::string base = "enabled = true\nserver = \"127.0.0.1\"\nfrom = \"w@example.org\"\n";
    CHECK(parse_mail(base + "security = \"none\"\n").config->mail.port == 25);
    CHECK(parse_mail(base + "security = \"starttls\"\n").config->mail.port == 587);
    CHECK(parse_mail(base + "security = \"tls\"\n").config->mail.port == 465);
}

TEST_CASE("config: an enabled [mail] is checked") {
    const std::string ok = "enabled = true\nserver = \"smtp.example.org\"\n";
    CHECK(parse_mail(ok + "from = \"w@example.org\"\n").config);
    auto missing_from = parse_mail(ok);
    CHECK_FALSE(missing_from.config);
    CHECK(missing_from.error.find("mail.from") != std::string::npos);
    auto injected = parse_mail(ok + "from = \"w@example.org\\r\\nBcc: x@evil.test\"\n");
    CHECK_FALSE(injected.config);
    CHECK(injected.error.find("mail.from") != std::string::npos);
    auto bad_operator = parse_mail(ok + "from = \"w@example.org\"\noperator = \"a, b@c.org\"\n");
    CHECK(bad_operator.error.find("mail.operator") != std::string::npos);
    auto no_server = parse_mail("enabled = true\nfrom = \"w@example.org\"\n");
    CHECK(no_server.error.find("mail.server") != std::string::npos);
    auto bad_security = parse_mail(ok + "from = \"w@example.org\"\nsecurity = \"ssl\"\n");
    CHECK(bad_security.error.find("mail.security") != std::string::npos);
    auto user_without_file = parse_mail(ok + "from = \"w@example.org\"\nuser = \"u\"\n");
    CHECK(user_without_file.error.find("mail.password_file") != std::string::npos);
    auto login_in_clear = parse_mail(ok +
                                     "from = \"w@example.org\"\nuser = \"u\"\npassword_file = "
                                     "\"/p\"\nsecurity = \"none\"\n");
    CHECK(login_in_clear.error.find("mail.security") != std::string::npos);
    auto unknown = parse_mail(ok + "from = \"w@example.org\"\npassword = \"secret\"\n");
    CHECK(unknown.error.find("unknown key mail.password") != std::string::npos);
}

TEST_CASE("config: a disabled [mail] may be incomplete") {
    auto r = parse_mail("enabled = false\nserver = \"smtp.example.org\"\n");
    REQUIRE(r.config);
    CHECK_FALSE(r.config->mail.enabled);
}

TEST_CASE("config: [tr] resend_interval defaults to 5 min and takes a duration") {
    auto none = parse_config("[vpn]\nremote = \"vpn.example.com\"\n");
    REQUIRE(none.config);
    CHECK(none.config->tr.resend_interval == 300);
    auto set =
        parse_config("[vpn]\nremote = \"vpn.example.com\"\n[tr]\nresend_interval = \"2m\"\n");
    REQUIRE(set.config);
    CHECK(set.config->tr.resend_interval == 120);
    auto bad =
        parse_config("[vpn]\nremote = \"vpn.example.com\"\n[tr]\nresend_interval = \"soon\"\n");
    CHECK_FALSE(bad.config);
    CHECK(bad.error.find("tr.resend_interval") != std::string::npos);
    auto unknown = parse_config("[vpn]\nremote = \"vpn.example.com\"\n[tr]\nresend = \"2m\"\n");
    CHECK_FALSE(unknown.config);
}

// send_mail() against a real SMTP server: aiosmtpd started by the test itself
// (smtp_server.py) with STARTTLS and AUTH required, and a port nobody listens on.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "daemon/mail/message.hpp"
#include "daemon/mail/smtp.hpp"
#include "support/unix_client.hpp"  // TempDir
#include "test_smtp_server.hpp"

using namespace warden::mail;
using namespace warden::mail::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string rendered(const MailMessage& m) {
    std::string error;
    auto out = render(m, 1796186003, "vpn.example.org", error);
    INFO(error);
    REQUIRE(out);
    return *out;
}

MailMessage token_mail() {
    MailMessage m;
    m.from = "warden@vpn.example.org";
    m.from_name = "Wärden VPN";
    m.to = "alice@example.com";
    m.subject = "Zugang für Alice";
    m.body = "Your token: 123456\n.\nValid until 18:00.\n";  // a lone dot line mid-body
    return m;
}

}  // namespace

TEST_CASE("send_mail delivers over STARTTLS with AUTH and the message arrives intact") {
    TestSmtpServer server;
    if (!server.skip().empty()) {
        WARN(server.skip());
        return;
    }
    const MailMessage m = token_mail();
    const SendResult r = send_mail(server.settings(), m.from, m.to, rendered(m));
    INFO(r.describe());
    REQUIRE(r.status == SendStatus::ok);
    CHECK(r.smtp_code == 250);

    const auto mails = server.received();
    REQUIRE(mails.size() == 1);
    const std::string& got = mails[0];
    CHECK(got.rfind("X-Rcpt-To: alice@example.com\r\n", 0) == 0);
    CHECK(got.find("\r\nTo: alice@example.com\r\n") != std::string::npos);
    CHECK(got.find("\r\nSubject: =?UTF-8?B?WnVnYW5nIGbDvHIgQWxpY2U=?=\r\n") != std::string::npos);
    // The lone "." line did not end the DATA phase: the rest of the body arrived.
    CHECK(got.substr(got.find("\r\n\r\n") + 4) ==
          "Your token: 123456\r\n.\r\nValid until 18:00.\r\n");
}

TEST_CASE("send_mail: a wrong password is a permanent failure and nothing is delivered") {
    TestSmtpServer server;
    if (!server.skip().empty()) {
        WARN(server.skip());
        return;
    }
    SmtpSettings s = server.settings();
    s.password = "wrong";
    const MailMessage m = token_mail();
    const SendResult r = send_mail(s, m.from, m.to, rendered(m));
    INFO(r.describe());
    CHECK(r.status == SendStatus::permanent);
    CHECK(r.smtp_code == 535);
    CHECK(r.server_text == "535 5.7.8 Authentication credentials invalid");
    CHECK_FALSE(r.curl_error.empty());
    CHECK(server.received().empty());
}

TEST_CASE("send_mail: a server certificate the CA file does not vouch for is refused") {
    TestSmtpServer server;
    if (!server.skip().empty()) {
        WARN(server.skip());
        return;
    }
    SmtpSettings s = server.settings();
    s.ca_file = "/etc/ssl/certs/ca-certificates.crt";  // the system store: not our cert
    const MailMessage m = token_mail();
    const SendResult r = send_mail(s, m.from, m.to, rendered(m));
    INFO(r.describe());
    CHECK(r.status == SendStatus::temporary);
    CHECK(server.received().empty());
}

TEST_CASE("send_mail: a server that is not listening is a temporary failure within the timeout") {
    ClosedPort closed;
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = closed.port();
    s.timeout = 3s;
    const MailMessage m = token_mail();
    const auto start = std::chrono::steady_clock::now();
    const SendResult r = send_mail(s, m.from, m.to, rendered(m));
    INFO(r.describe());
    CHECK(r.status == SendStatus::temporary);
    CHECK(r.smtp_code == 0);
    CHECK_FALSE(r.curl_error.empty());
    CHECK(std::chrono::steady_clock::now() - start < 4s);
}

TEST_CASE("send_mail refuses injected addresses before any connection") {
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = ClosedPort().port();
    const std::string msg = "To: a@b.c\r\n\r\nx\r\n";
    for (const std::string& bad :
         std::vector<std::string>{"a@b.c>\r\nRCPT TO:<x@y.z", "a@b.c> SIZE=1", "a@b.c,x@y.z"}) {
        INFO(bad);
        const SendResult to = send_mail(s, "w@v.example", bad, msg);
        CHECK(to.status == SendStatus::permanent);
        CHECK(to.curl_error.rfind("recipient: ", 0) == 0);
        const SendResult from = send_mail(s, bad, "a@b.c", msg);
        CHECK(from.status == SendStatus::permanent);
        CHECK(from.curl_error.rfind("envelope from: ", 0) == 0);
    }
}

TEST_CASE("send_mail refuses to send credentials without TLS") {
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = 25;
    s.security = SmtpSecurity::none;
    s.user = "u";
    s.password = "p";
    const SendResult r = send_mail(s, "w@v.example", "a@b.c", "To: a@b.c\r\n\r\nx\r\n");
    CHECK(r.status == SendStatus::temporary);
    CHECK(r.curl_error == "refusing to send SMTP credentials without TLS (security=none)");
    CHECK(parse_smtp_security("starttls") == SmtpSecurity::starttls);
    CHECK(parse_smtp_security("tls") == SmtpSecurity::tls);
    CHECK(parse_smtp_security("none") == SmtpSecurity::none);
    CHECK_FALSE(parse_smtp_security("STARTTLS"));
}

TEST_CASE("send_mail delivers over implicit TLS (smtps)") {
    TestSmtpServer server("tls");
    if (!server.skip().empty()) {
        WARN(server.skip());
        return;
    }
    const MailMessage m = token_mail();
    const SendResult r = send_mail(server.settings(), m.from, m.to, rendered(m));
    INFO(r.describe());
    CHECK(r.status == SendStatus::ok);
    CHECK(server.received().size() == 1);
}

TEST_CASE("send_mail: a server without STARTTLS never sees the credentials") {
    TestSmtpServer server("plain");  // would accept AUTH in clear text
    if (!server.skip().empty()) {
        WARN(server.skip());
        return;
    }
    SmtpSettings s = server.settings();  // security = starttls
    const MailMessage m = token_mail();
    const SendResult r = send_mail(s, m.from, m.to, rendered(m));
    INFO(r.describe());
    CHECK(r.status == SendStatus::temporary);
    CHECK_FALSE(server.saw_auth());
    CHECK(server.received().empty());
}

TEST_CASE("send_mail: a server that never answers is a temporary failure within the timeout") {
    ClosedPort silent(/*listening=*/true);
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = silent.port();
    s.timeout = 1s;
    const MailMessage m = token_mail();
    const auto start = std::chrono::steady_clock::now();
    const SendResult r = send_mail(s, m.from, m.to, rendered(m));
    INFO(r.describe());
    CHECK(r.status == SendStatus::temporary);
    CHECK(r.curl_error.find("timed out") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
}

// render(): RFC 5322 output, and no stored field can add a header line or a recipient.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "daemon/mail/message.hpp"

using namespace warden::mail;

namespace {

constexpr std::time_t kDate = 1796186003;  // Wed, 02 Dec 2026 04:33:23 +0000

MailMessage sample() {
    MailMessage m;
    m.from = "warden@vpn.example.org";
    m.to = "alice@example.com";
    m.subject = "Your access token";
    m.body = "Hello Alice,\nyour token is valid until 18:00.\n";
    return m;
}

std::string render_ok(const MailMessage& m) {
    std::string error;
    auto out = render(m, kDate, "vpn.example.org", error);
    INFO(error);
    REQUIRE(out);
    return *out;
}

std::string render_error(const MailMessage& m) {
    std::string error;
    auto out = render(m, kDate, "vpn.example.org", error);
    CHECK_FALSE(out);
    CHECK_FALSE(error.empty());
    return error;
}

std::string headers_of(const std::string& message) {
    return message.substr(0, message.find("\r\n\r\n") + 2);
}
std::string body_of(const std::string& message) {
    return message.substr(message.find("\r\n\r\n") + 4);
}

// Header names of all lines that do not continue a folded header.
std::vector<std::string> header_names(const std::string& message) {
    std::vector<std::string> names;
    const std::string head = headers_of(message);
    for (std::size_t start = 0; start < head.size();) {
        const std::size_t end = head.find("\r\n", start);
        const std::string line = head.substr(start, end - start);
        if (line[0] != ' ') names.push_back(line.substr(0, line.find(':')));
        start = end + 2;
    }
    return names;
}

bool has_bare_cr_or_lf(const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return true;
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("render writes the fixed header set, CRLF endings and the body") {
    const std::string out = render_ok(sample());
    CHECK(header_names(out) ==
          std::vector<std::string>{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                                   "Content-Type", "Content-Transfer-Encoding"});
    CHECK(out.find("Date: Wed, 02 Dec 2026 04:33:23 +0000\r\n") == 0);
    CHECK(out.find("\r\nFrom: warden@vpn.example.org\r\n") != std::string::npos);
    CHECK(out.find("\r\nTo: alice@example.com\r\n") != std::string::npos);
    CHECK(out.find("\r\nSubject: Your access token\r\n") != std::string::npos);
    CHECK(out.find("@vpn.example.org>\r\n") != std::string::npos);
    CHECK(out.find("\r\nContent-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    CHECK(out.find("\r\nContent-Transfer-Encoding: 8bit\r\n") != std::string::npos);
    CHECK(body_of(out) == "Hello Alice,\r\nyour token is valid until 18:00.\r\n");
    CHECK_FALSE(has_bare_cr_or_lf(out));
}

TEST_CASE("render: the Message-ID differs with the sequence and stays with the same input") {
    MailMessage a = sample(), b = sample();
    b.sequence = 7;
    auto id = [](const std::string& m) {
        const std::size_t at = m.find("Message-ID: ");
        return m.substr(at, m.find("\r\n", at) - at);
    };
    CHECK(id(render_ok(a)) == id(render_ok(a)));
    CHECK(id(render_ok(a)) != id(render_ok(b)));
}

TEST_CASE("render refuses recipients that would add a header or a recipient") {
    for (const std::string& to : std::vector<std::string>{"a@b.c\r\nBcc: x@y.z",
                                                          "a@b.c\nBcc: x@y.z",
                                                          "a@b.c\rBcc: x@y.z",
                                                          "a@b.c, x@y.z",
                                                          "a@b.c,x@y.z",
                                                          "a@b.c;x@y.z",
                                                          "<a@b.c>",
                                                          "Alice <a@b.c>",
                                                          "\"a@b.c\"@x.y",
                                                          "a@b.c (x)",
                                                          "a@b.c x@y.z",
                                                          std::string("a@b.c\0x@y.z", 11),
                                                          "a@b@c.d",
                                                          "@b.c",
                                                          "a@",
                                                          "a",
                                                          "a..b@c.d",
                                                          ".a@b.c",
                                                          "a@-b.c",
                                                          "a@b..c",
                                                          "a@[127.0.0.1]",
                                                          "jörg@example.de",
                                                          "group: a@b.c;",
                                                          "a@localhost",
                                                          ""}) {
        MailMessage m = sample();
        m.to = to;
        INFO(to);
        CHECK(render_error(m).rfind("to: ", 0) == 0);
    }
}

TEST_CASE("render gives a reason for each refused address") {
    std::string error;
    CHECK_FALSE(valid_address("a@b.c\r\nBcc: x@y.z", error));
    CHECK(error == "contains CR, LF or NUL");
    CHECK_FALSE(valid_address("a@b.c, x@y.z", error));
    CHECK(error == "more than one address (',' or ';')");
    CHECK_FALSE(valid_address("<a@b.c>", error));
    CHECK(error == "angle brackets are not allowed (address only)");
    CHECK(valid_address("first.last+vpn@mail.example.co.uk", error));
    CHECK(valid_address("o'brien@example.ie", error));
}

TEST_CASE("render refuses a bad sender and a bad Message-ID domain") {
    MailMessage m = sample();
    m.from = "warden@vpn.example.org\r\nBcc: x@y.z";
    CHECK(render_error(m).rfind("from: ", 0) == 0);
    std::string error;
    CHECK_FALSE(render(sample(), kDate, "vpn.example.org>\r\nBcc: x@y.z", error));
    CHECK_FALSE(render(sample(), kDate, "", error));
}

TEST_CASE("render refuses a subject or sender name with a control character") {
    for (const std::string& text :
         std::vector<std::string>{"Token\r\nBcc: x@y.z", "Token\nBcc: x@y.z", "Token\rX",
                                  std::string("a\0b", 3), "tab\there", "esc\x1b[2J"}) {
        MailMessage m = sample();
        m.subject = text;
        INFO(text);
        CHECK(render_error(m) == "subject contains a control character");
        m = sample();
        m.from_name = text;
        CHECK(render_error(m) == "from name contains a control character");
    }
    MailMessage m = sample();
    m.subject = "bad \xff utf-8";
    CHECK(render_error(m) == "subject is not valid UTF-8");
}

TEST_CASE("render encodes a non-ASCII subject and sender name as RFC 2047 words") {
    MailMessage m = sample();
    m.subject = "Zugang für Jörg";
    m.from_name = "Wärden VPN";
    const std::string out = render_ok(m);
    // base64("Zugang für Jörg") and base64("Wärden VPN")
    CHECK(out.find("\r\nSubject: =?UTF-8?B?WnVnYW5nIGbDvHIgSsO2cmc=?=\r\n") != std::string::npos);
    CHECK(out.find("\r\nFrom: =?UTF-8?B?V8OkcmRlbiBWUE4=?= <warden@vpn.example.org>\r\n") !=
          std::string::npos);
    m.from_name = "Warden VPN";
    CHECK(render_ok(m).find("\r\nFrom: Warden VPN <warden@vpn.example.org>\r\n") !=
          std::string::npos);
}

TEST_CASE("render folds a long subject into encoded words of at most 75 characters") {
    MailMessage m = sample();
    for (int i = 0; i < 40; ++i) m.subject += " Überprüfung";  // 2-octet characters
    const std::string out = render_ok(m);
    CHECK(header_names(out).size() == 8);
    const std::string head = headers_of(out);
    for (std::size_t start = 0; start < head.size();) {
        const std::size_t end = head.find("\r\n", start);
        CHECK(end - start <= 78);
        start = end + 2;
    }
    // An ASCII subject that looks like an encoded word is encoded, not passed through.
    m.subject = "=?UTF-8?B?QmNjOiB4QHkueg==?=";
    CHECK(render_ok(m).find("\r\nSubject: =?UTF-8?B?PT9VVEYtOD9CP1FtTmpPaUI0UUhrdWVnPT0/PQ==?=") !=
          std::string::npos);
}

TEST_CASE("render normalises every body line break to CRLF") {
    MailMessage m = sample();
    m.body = "one\rtwo\nthree\r\nfour\n\rfive";
    CHECK(body_of(render_ok(m)) == "one\r\ntwo\r\nthree\r\nfour\r\n\r\nfive\r\n");
    // A header-looking line in the body stays in the body.
    m.body = "\r\nBcc: x@y.z\n";
    const std::string out = render_ok(m);
    CHECK(header_names(out).size() == 8);
    CHECK(body_of(out) == "\r\nBcc: x@y.z\r\n");
    // A lone dot line is left to the transport's dot-stuffing (curl does it; see smtp_test).
    m.body = "before\n.\nafter";
    CHECK(body_of(render_ok(m)) == "before\r\n.\r\nafter\r\n");
    CHECK_FALSE(has_bare_cr_or_lf(render_ok(m)));
}

TEST_CASE("render refuses NUL and invalid UTF-8 in the body") {
    MailMessage m = sample();
    m.body = std::string("a\0b", 3);
    CHECK(render_error(m) == "body contains NUL");
    m.body = "caf\xe9";
    CHECK(render_error(m) == "body is not valid UTF-8");
}

TEST_CASE("render switches to quoted-printable when a body line exceeds 998 octets") {
    MailMessage m = sample();
    m.body = std::string(1500, 'x') + "\n.dot = ü \n";
    const std::string out = render_ok(m);
    CHECK(out.find("\r\nContent-Transfer-Encoding: quoted-printable\r\n") != std::string::npos);
    const std::string body = body_of(out);
    for (std::size_t start = 0; start < body.size();) {
        const std::size_t end = body.find("\r\n", start);
        CHECK(end - start <= 76);
        CHECK(body.compare(start, 1, ".") != 0);  // a leading dot is =2E
        start = end + 2;
    }
    CHECK(body.find("\r\n=2Edot =3D =C3=BC=20\r\n") != std::string::npos);
    // Undo the soft breaks: the long line comes back whole.
    std::string joined;
    for (std::size_t start = 0; start < body.size();) {
        const std::size_t end = body.find("\r\n", start);
        std::string line = body.substr(start, end - start);
        if (!line.empty() && line.back() == '=')
            line.pop_back();
        else
            line += "\n";
        joined += line;
        start = end + 2;
    }
    CHECK(joined.rfind(std::string(1500, 'x') + "\n", 0) == 0);
}

TEST_CASE("rfc5322_date and valid_utf8") {
    CHECK(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(valid_utf8("Jörg ✓ 😀"));
    CHECK_FALSE(valid_utf8("\xc0\xaf"));      // overlong '/'
    CHECK_FALSE(valid_utf8("\xed\xa0\x80"));  // surrogate
    CHECK_FALSE(valid_utf8("\xe2\x9c"));      // truncated
}

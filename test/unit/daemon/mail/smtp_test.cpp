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

using namespace warden::mail;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUser = "warden-mailer";
constexpr const char* kPassword = "correct horse";

// Debian's interpreter: that is where python3-aiosmtpd installs (a pyenv python3 first in
// PATH would not see it). WARDEN_TEST_PYTHON overrides (e.g. to check the SKIP path).
std::string python() {
    if (const char* chosen = std::getenv("WARDEN_TEST_PYTHON")) return chosen;
    return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// One line from `fd` within `timeout`, or nullopt.
std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char c;
        if (::read(fd, &c, 1) != 1) return std::nullopt;
        if (c == '\n') return line;
        line += c;
    }
}

// smtp_server.py as a child: stopped by closing its stdin, killed if it does not stop.
class TestSmtpServer {
  public:
    explicit TestSmtpServer(std::string mode = "starttls") : mode_(std::move(mode)) {
        int in[2], out[2];
        REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            const int log = ::open(dir_.file("server.log").c_str(), O_WRONLY | O_CREAT, 0600);
            if (log >= 0) ::dup2(log, 2);  // aiosmtpd's tracebacks, e.g. for the refused cert
            const std::string py = python();
            ::execlp(py.c_str(), py.c_str(), WARDEN_MAIL_TEST_SERVER, dir_.path.c_str(), kUser,
                     kPassword, mode_.c_str(), nullptr);
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        const auto line = read_line(stdout_, 30s);
        if (line && line->rfind("READY ", 0) == 0)
            port_ = std::stoi(line->substr(6));
        else if (line && line->rfind("SKIP:", 0) == 0)
            skip_ = *line;
        else
            FAIL("smtp_server.py did not start: " << line.value_or("(no output in 30 s)")
                                                  << "\nits stderr:\n"
                                                  << server_log());
    }
    ~TestSmtpServer() {
        ::close(stdin_);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        int status;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            pollfd p{stdout_, POLLIN, 0};  // returns at EOF, when the child has exited
            ::poll(&p, 1, 100);
        }
        ::close(stdout_);
    }
    TestSmtpServer(const TestSmtpServer&) = delete;
    TestSmtpServer& operator=(const TestSmtpServer&) = delete;

    const std::string& skip() const { return skip_; }
    std::string server_log() const {
        std::ifstream f(dir_.file("server.log"));
        std::ostringstream text;
        text << f.rdbuf();
        return text.str();
    }
    SmtpSettings settings() const {
        SmtpSettings s;
        s.host = "127.0.0.1";
        s.port = static_cast<std::uint16_t>(port_);
        s.security = mode_ == "tls" ? SmtpSecurity::tls : SmtpSecurity::starttls;
        s.user = kUser;
        s.password = kPassword;
        s.ca_file = dir_.file("cert.pem");
        s.timeout = 20s;
        return s;
    }
    std::vector<std::string> received() const {
        std::vector<std::string> all;
        for (int n = 1; fs::exists(dir_.path / "mail" / (std::to_string(n) + ".eml")); ++n) {
            std::ifstream f(dir_.path / "mail" / (std::to_string(n) + ".eml"), std::ios::binary);
            std::ostringstream text;
            text << f.rdbuf();
            all.push_back(text.str());
        }
        return all;
    }

    bool saw_auth() const { return fs::exists(dir_.path / "auth-attempts"); }

  private:
    std::string mode_;
    warden::testing::TempDir dir_;
    pid_t pid_ = -1;
    int stdin_ = -1, stdout_ = -1, port_ = 0;
    std::string skip_;
};

// A loopback port bound by the test so nothing else can take it: without listen() a
// connection is refused; with it the handshake completes but no greeting ever comes.
class ClosedPort {
  public:
    explicit ClosedPort(bool listening = false) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        if (listening) REQUIRE(::listen(fd_, 4) == 0);  // the kernel accepts; nobody speaks
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~ClosedPort() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

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

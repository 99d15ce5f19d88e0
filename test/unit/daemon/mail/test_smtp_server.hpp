// The test SMTP server (smtp_server.py, aiosmtpd) as a child process, and a loopback port
// nobody answers on: shared by unit_mail's send_mail() and mail queue tests.
#pragma once

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
#include <vector>

#include "daemon/mail/smtp.hpp"
#include "support/unix_client.hpp"  // TempDir

namespace warden::mail::test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline constexpr const char* kUser = "warden-mailer";
inline constexpr const char* kPassword = "correct horse";

// Debian's interpreter: that is where python3-aiosmtpd installs (a pyenv python3 first in
// PATH would not see it). WARDEN_TEST_PYTHON overrides (e.g. to check the SKIP path).
inline std::string python() {
    if (const char* chosen = std::getenv("WARDEN_TEST_PYTHON")) return chosen;
    return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// One line from `fd` within `timeout`, or nullopt.
inline std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
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

}  // namespace warden::mail::test

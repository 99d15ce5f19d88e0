// warden_pki against the real thing: an OpenVPN 2.6 server and client (`--dev null`, no
// privileges needed) handshake over loopback with our certificates, tls-crypt key and
// CRL. Skipped when openvpn is not installed.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "common/fd.hpp"
#include "pki_test_util.hpp"

extern char** environ;

using namespace warden::pki;
using namespace warden::pki::test;

namespace {

// An openvpn child writing to `log`; terminated and reaped (by its pid) on destruction.
class Child {
  public:
    Child(std::vector<std::string> argv, const std::string& log) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(pid_ > 0);
    }
    ~Child() {
        if (pid_ <= 0) return;  // never kill(-1, ...): that would signal every process
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

  private:
    pid_t pid_ = -1;
};

// A UDP port on loopback that was free a moment ago.
std::string free_udp_port() {
    const warden::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    return std::to_string(ntohs(addr.sin_port));
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

enum class Outcome { Connected, Refused, Timeout };

struct Pki {
    Material ca = create_ca("OpenVPN test CA", 10);
    Material server = issue(ca, "warden-server", CertKind::Server, 10);
    Material client = issue(ca, "device-ok", CertKind::Client, 10);
    Material revoked = issue(ca, "device-revoked", CertKind::Client, 10);
    std::int64_t now = std::time(nullptr) - 5;
    std::string crl = make_crl(ca, {{inspect(revoked.cert_pem)->serial, now}}, now, 7);
    std::string empty_crl = make_crl(ca, {}, now, 7);
};

// Starts a server presenting `server` and a client presenting `client`, and waits until
// the client completes its setup or either side logs a verification failure.
Outcome handshake(const std::string& openvpn, const Pki& pki, const Material& server,
                  const Material& client, const std::string& crl) {
    const TempDir dir;
    const std::string ca = dir.write("ca.pem", pki.ca.cert_pem);
    const std::string tc = dir.write("tc.key", generate_tls_crypt_key());
    const std::string crl_file = dir.write("crl.pem", crl);
    const std::string s_log = dir.write("server.log", ""), c_log = dir.write("client.log", "");
    const std::string port = free_udp_port();

    const Child srv({openvpn,
                     "--dev",
                     "null",
                     "--tls-server",
                     "--local",
                     "127.0.0.1",
                     "--lport",
                     port,
                     "--proto",
                     "udp",
                     "--ca",
                     ca,
                     "--cert",
                     dir.write("s.crt", server.cert_pem),
                     "--key",
                     dir.write("s.key", server.key_pem),
                     "--dh",
                     "none",
                     "--tls-crypt",
                     tc,
                     "--crl-verify",
                     crl_file,
                     "--remote-cert-tls",
                     "client",
                     "--verb",
                     "3"},
                    s_log);
    const Child cli({openvpn,
                     "--dev",
                     "null",
                     "--tls-client",
                     "--remote",
                     "127.0.0.1",
                     port,
                     "--nobind",
                     "--proto",
                     "udp",
                     "--ca",
                     ca,
                     "--cert",
                     dir.write("c.crt", client.cert_pem),
                     "--key",
                     dir.write("c.key", client.key_pem),
                     "--tls-crypt",
                     tc,
                     "--remote-cert-tls",
                     "server",
                     "--verb",
                     "3"},
                    c_log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const std::string s = read_text(s_log), c = read_text(c_log);
        if (c.find("Initialization Sequence Completed") != std::string::npos) {
            return Outcome::Connected;
        }
        for (const char* failure : {"VERIFY ERROR", "VERIFY EKU ERROR", "VERIFY KU ERROR"}) {
            if (s.find(failure) != std::string::npos || c.find(failure) != std::string::npos) {
                UNSCOPED_INFO("server log:\n" << s << "\nclient log:\n" << c);
                return Outcome::Refused;
            }
        }
    }
    UNSCOPED_INFO("server log:\n" << read_text(s_log) << "\nclient log:\n" << read_text(c_log));
    return Outcome::Timeout;
}

}  // namespace

TEST_CASE("OpenVPN accepts our PKI and enforces CRL and key usage", "[pki][openvpn][cli]") {
    const auto openvpn = find_binary("openvpn");
    if (!openvpn) {
        WARN("openvpn binary not installed: skipping the handshake checks");
        return;
    }
    const Pki pki;
    SECTION("a valid client connects (remote-cert-tls, tls-crypt, crl-verify)") {
        CHECK(handshake(*openvpn, pki, pki.server, pki.client, pki.crl) == Outcome::Connected);
    }
    SECTION("a revoked client is refused by crl-verify") {
        CHECK(handshake(*openvpn, pki, pki.server, pki.revoked, pki.crl) == Outcome::Refused);
    }
    SECTION("an empty CRL is accepted") {
        CHECK(handshake(*openvpn, pki, pki.server, pki.revoked, pki.empty_crl) ==
              Outcome::Connected);
    }
    SECTION("a client certificate cannot act as the server") {
        CHECK(handshake(*openvpn, pki, pki.client, pki.client, pki.crl) == Outcome::Refused);
    }
}

// A scripted stand-in for OpenVPN 2.6's management interface, served from the test's own
// io_context. Its answers copy the texts captured from OpenVPN 2.6.14 (see fixtures/).
// Writes can be cut into tiny pieces to exercise the client's reassembly.
#pragma once

#include <boost/asio.hpp>

#include <array>
#include <deque>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace warden::testing {

class FakeMgmtServer {
  public:
    using stream = boost::asio::local::stream_protocol;
    static constexpr const char* kGreeting =
        ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n";

    FakeMgmtServer(boost::asio::io_context& io, std::string path)
        : io_(io), path_(std::move(path)) {
        listen();
    }
    ~FakeMgmtServer() { close(); }

    // What to answer; may be changed between requests.
    std::string status;                    // full `status 3` answer, through "END\r\n"
    std::set<std::string> live_cids;       // client-kill succeeds for these
    std::set<std::string> live_addresses;  // kill IP:port succeeds for these
    std::string inject;                    // notification lines slipped into every answer
    std::size_t chunk = 0;                 // 0: one write per answer; n: pieces of n bytes
    std::string password;                  // non-empty: ask for it first
    bool answer = true;                    // false: read commands, never answer

    std::vector<std::string> received;  // every command line, in order
    int accepted = 0;

    void listen() {
        std::filesystem::remove(path_);
        acceptor_ = std::make_unique<stream::acceptor>(io_, stream::endpoint(path_));
        accept();
    }

    // Like OpenVPN exiting: the socket and the file go away.
    void close() {
        if (acceptor_) acceptor_->close();
        acceptor_.reset();
        if (conn_) conn_->socket.close();
        conn_.reset();
        std::filesystem::remove(path_);
    }

    // Unsolicited bytes to the current connection (notifications, junk).
    void push(const std::string& bytes) {
        if (conn_) send(conn_, bytes);
    }

    std::size_t count(const std::string& cmd) const {
        std::size_t n = 0;
        for (const auto& r : received) n += r == cmd;
        return n;
    }

  private:
    struct Conn {
        explicit Conn(boost::asio::io_context& io) : socket(io) {}
        stream::socket socket;
        std::string in;
        std::array<char, 512> buf{};
        std::deque<std::string> out;
        bool authed = false;
    };

    void accept() {
        acceptor_->async_accept([this](boost::system::error_code ec, stream::socket s) {
            if (ec) return;
            ++accepted;
            // OpenVPN serves one management client at a time; a newer one replaces it here.
            conn_ = std::make_shared<Conn>(io_);
            conn_->socket = std::move(s);
            conn_->authed = password.empty();
            send(conn_, conn_->authed ? kGreeting : "ENTER PASSWORD:");
            read(conn_);
            accept();
        });
    }

    void read(std::shared_ptr<Conn> c) {
        c->socket.async_read_some(
            boost::asio::buffer(c->buf), [this, c](boost::system::error_code ec, std::size_t n) {
                if (ec || c != conn_) return;
                c->in.append(c->buf.data(), n);
                for (auto nl = c->in.find('\n'); nl != std::string::npos; nl = c->in.find('\n')) {
                    std::string line = c->in.substr(0, nl);
                    c->in.erase(0, nl + 1);
                    if (!line.empty() && line.back() == '\r') line.pop_back();
                    on_line(c, line);
                }
                read(c);
            });
    }

    void on_line(const std::shared_ptr<Conn>& c, const std::string& line) {
        received.push_back(line);
        if (!c->authed) {
            if (line != password) return send(c, "ENTER PASSWORD:");
            c->authed = true;
            return send(c, std::string("SUCCESS: password is correct\r\n") + kGreeting);
        }
        if (!answer) return;
        send(c, inject + respond(line));
    }

    std::string respond(const std::string& line) {
        if (line == "status 3") {
            // Slip the notifications into the middle of the body too, as OpenVPN may.
            auto cut = status.find('\n', status.find('\n') + 1);
            if (cut == std::string::npos) return status;
            return status.substr(0, cut + 1) + inject + status.substr(cut + 1);
        }
        if (line.rfind("client-kill ", 0) == 0) {
            return live_cids.count(line.substr(12)) ? "SUCCESS: client-kill command succeeded\r\n"
                                                    : "ERROR: client-kill command failed\r\n";
        }
        if (line.rfind("kill ", 0) == 0) {
            auto a = line.substr(5);
            if (live_addresses.count(a))
                return "SUCCESS: 1 client(s) at address " + a + " killed\r\n";
            return "ERROR: client at address " + a + " not found\r\n";
        }
        if (line == "version") {
            return "OpenVPN Version: OpenVPN 2.6.14 x86_64-pc-linux-gnu\r\nManagement Version: "
                   "5\r\nEND\r\n";
        }
        if (line == "pid") return "SUCCESS: pid=4242\r\n";
        return "ERROR: unknown command, enter 'help' for more options\r\n";
    }

    void send(const std::shared_ptr<Conn>& c, const std::string& data) {
        bool idle = c->out.empty();
        std::size_t step = chunk == 0 ? data.size() : chunk;
        for (std::size_t pos = 0; pos < data.size(); pos += step)
            c->out.push_back(data.substr(pos, step));
        if (idle && !c->out.empty()) write(c);
    }

    void write(std::shared_ptr<Conn> c) {
        boost::asio::async_write(c->socket, boost::asio::buffer(c->out.front()),
                                 [this, c](boost::system::error_code ec, std::size_t) {
                                     if (ec) return;
                                     c->out.pop_front();
                                     if (!c->out.empty()) write(c);
                                 });
    }

    boost::asio::io_context& io_;
    std::string path_;
    std::unique_ptr<stream::acceptor> acceptor_;
    std::shared_ptr<Conn> conn_;
};

}  // namespace warden::testing

// A blocking HTTP/1.1 client for the listener's tests (127.0.0.1): every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "support/unix_client.hpp"

namespace warden::testing {

using namespace std::chrono_literals;

inline UniqueFd connect_tcp(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

struct Reply {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
    std::string header(const std::string& name) const {
        const auto at = head.find("\r\n" + name + ": ");
        if (at == std::string::npos) return "<none>";
        const auto from = at + name.size() + 4;
        return head.substr(from, head.find("\r\n", from) - from);
    }
};

// Reads one response (its body by Content-Length, none for HEAD); status 0 when the
// connection closed or nothing came within the bound.
inline Reply read_reply(int fd, bool head_request = false) {
    std::string buf;
    Reply r;
    while (buf.find("\r\n\r\n") == std::string::npos) {
        auto chunk = recv_some(fd, 5s);
        if (!chunk || chunk->empty()) return r;
        buf += *chunk;
    }
    const auto end = buf.find("\r\n\r\n") + 4;
    r.head = buf.substr(0, end);
    r.body = buf.substr(end);
    const std::size_t length =
        head_request
            ? 0
            : std::stoul(r.header("Content-Length") == "<none>" ? "0" : r.header("Content-Length"));
    while (r.body.size() < length) {
        auto chunk = recv_some(fd, 5s);
        if (!chunk || chunk->empty()) return r;
        r.body += *chunk;
    }
    r.status = std::stoi(r.head.substr(9, 3));
    return r;
}

inline Reply exchange(std::uint16_t port, const std::string& request, bool head = false) {
    auto fd = connect_tcp(port);
    REQUIRE(send_all(fd.get(), request));
    return read_reply(fd.get(), head);
}

}  // namespace warden::testing

// A blocking UNIX-socket client for tests, with bounded waits (no sleeps).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "common/fd.hpp"

namespace warden::testing {

inline UniqueFd connect_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd.reset();
    return fd;
}

// Sends `data` in chunks of `chunk` bytes.
inline bool send_all(int fd, const std::string& data, std::size_t chunk = 1 << 20) {
    for (std::size_t pos = 0; pos < data.size(); pos += chunk) {
        const std::size_t n = std::min(chunk, data.size() - pos);
        if (::send(fd, data.data() + pos, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) return false;
    }
    return true;
}

// Reads what is available within `timeout`; nullopt on timeout, "" on EOF.
inline std::optional<std::string> recv_some(
    int fd, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return std::string();
    return std::string(buf, static_cast<std::size_t>(n));
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/warden-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace warden::testing

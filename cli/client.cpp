#include "cli/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/fd.hpp"

namespace warden::cli {
namespace {

Response fail(int code, std::string message) {
    return {code, nullptr, std::move(message)};
}

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return false;
    }
}

// Sends `data`; the first sendmsg carries `attach_fd` (SCM_RIGHTS) when it is >= 0, so
// the descriptor arrives with the request's line. False when the daemon went away.
bool send_request(int fd, const std::string& data, int attach_fd,
                  std::chrono::steady_clock::time_point deadline, std::string& error) {
    for (std::size_t done = 0; done < data.size();) {
        if (!wait_for(fd, POLLOUT, deadline)) {
            error = "timed out sending to wardend";
            return false;
        }
        iovec iov{const_cast<char*>(data.data() + done), data.size() - done};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        if (done == 0 && attach_fd >= 0) {
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            cmsghdr* c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(c), &attach_fd, sizeof(int));
        }
        const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::string("lost wardend: ") + std::strerror(errno);
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

Response call(const std::string& socket_path, const std::string& command, const json::object& args,
              int timeout_ms, int attach_fd) {
    sockaddr_un addr{};
    if (socket_path.size() >= sizeof(addr.sun_path))
        return fail(kUsage, "socket path too long: " + socket_path);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        // EACCES: the socket or its folder is closed to this user (SPEC §13: exit 4).
        const int err = errno;
        if (err == EACCES || err == EPERM)
            return fail(kDenied, "permission denied: cannot connect to " + socket_path +
                                     " (wardenctl needs the admin or viewer group)");
        return fail(kUnreachable,
                    "cannot reach wardend at " + socket_path + ": " + std::strerror(err));
    }

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    json::object request{{"command", command}, {"args", args}};
    std::string send_error;
    // A daemon that turns the caller away (permission, connection cap) answers and closes
    // at once; its reply is still read below when sending failed.
    const bool sent =
        send_request(fd.get(), json::serialize(request) + "\n", attach_fd, deadline, send_error);
    std::string reply;
    char buf[65536];
    while (reply.find('\n') == std::string::npos) {
        if (!wait_for(fd.get(), POLLIN, deadline))
            return fail(kUnreachable, sent ? "timed out waiting for wardend" : send_error);
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(kUnreachable, sent ? "wardend closed the connection" : send_error);
        reply.append(buf, static_cast<std::size_t>(n));
    }
    boost::system::error_code ec;
    json::value v = json::parse(reply.substr(0, reply.find('\n')), ec);
    if (ec || !v.is_object()) return fail(kRefused, "malformed reply from wardend");
    const auto& o = v.get_object();
    const auto* status = o.if_contains("status");
    if (status && status->is_string() && status->get_string() == "ok") {
        const auto* result = o.if_contains("result");
        return {kDone, result ? *result : json::value(nullptr), {}};
    }
    const auto* code = o.if_contains("code");
    const auto* message = o.if_contains("message");
    return fail(admin::exit_for_error(
                    code && code->is_string() ? std::string_view(code->get_string()) : ""),
                message && message->is_string() ? std::string(message->get_string()) : "error");
}

}  // namespace warden::cli

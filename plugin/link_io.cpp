// DaemonLink's I/O thread: connect with backoff, write queued frames, read and
// dispatch replies, expire deferred requests. It blocks only in poll(), always with
// the wake eventfd in the set, so stop() is prompt.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/protocol.hpp"
#include "plugin/daemon_link.hpp"
#include "plugin/request.hpp"

namespace warden::plugin {
namespace {

using std::chrono::milliseconds;

// Longest poll: a safety net so a lost wakeup can never park the thread for good.
constexpr milliseconds kMaxPoll{1000};
constexpr std::size_t kReadChunk = 16384;
constexpr int kMaxReadsPerWakeup = 16;  // fairness: let writes and expiry run too

int poll_timeout(DaemonLink::Clock::time_point deadline, milliseconds cap) {
    const auto now = DaemonLink::Clock::now();
    if (deadline <= now) return 0;
    const auto left = std::chrono::ceil<milliseconds>(deadline - now);
    return static_cast<int>(std::min(left, cap).count());
}

Outcome outcome_of(const wire::Message& msg) {
    if (msg.type == wire::Type::Error) {
        return Outcome{false, msg.get_or(protocol::field::reason, "daemon could not handle the request"), {}};
    }
    const std::string result = msg.get_or(protocol::field::result, "");
    if (result == protocol::kAllow) return Outcome{true, {}, msg.get_or(protocol::field::config, "")};
    if (result == protocol::kDeny) return Outcome{false, msg.get_or(protocol::field::reason, "denied"), {}};
    return Outcome{false, "invalid verdict from daemon", {}};
}

}  // namespace

void DaemonLink::run() {
    auto backoff = options_.backoff_min;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        if (sock_) {
            serve_connection();
            backoff = options_.backoff_min;
            continue;
        }
        if (try_connect()) continue;
        wait_backoff(backoff);
        backoff = std::min(backoff * 2, options_.backoff_max);
    }
    sock_.reset();  // stop() wipes what is still queued
}

bool DaemonLink::try_connect() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, options_.socket_path.c_str(), sizeof(addr.sun_path) - 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        wire::Message hello(wire::Type::Hello, 0);
        hello.set(std::string(protocol::field::instance), options_.instance);
        hello.set(std::string(protocol::field::plugin_version), std::string(protocol::kPluginVersion));
        hello.set(std::string(protocol::field::pid), std::to_string(::getpid()));
        sock_ = std::move(fd);
        decoder_ = wire::Decoder();
        writeq_.clear();
        write_offset_ = 0;
        writeq_.push_back(wire::encode(hello));  // always the first frame on a connection
        {
            std::lock_guard lock(mutex_);
            connected_ = true;
        }
        reported_down_ = false;
        log_.later(log::Level::Info, "daemon connected", {{"socket", options_.socket_path}});
        return true;
    }
    // A UNIX connect does not block: refused, missing or backlog full (EAGAIN) all
    // mean "try again later". Log once per outage, not every backoff step.
    const std::string error = fd ? std::strerror(errno) : std::string("socket: ") + std::strerror(errno);
    if (!reported_down_ || error != last_connect_error_) {
        log_.later(log::Level::Warning, "daemon not reachable",
                   {{"socket", options_.socket_path}, {"error", error}});
        reported_down_ = true;
        last_connect_error_ = error;
    }
    return false;
}

void DaemonLink::wait_backoff(milliseconds backoff) {
    const auto until = Clock::now() + backoff;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        const int timeout = poll_timeout(until, kMaxPoll);
        if (timeout == 0) return;
        pollfd p{wake_fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, timeout) > 0) drain_wake();
    }
}

// One poll round on a live connection; drops it on any error.
void DaemonLink::serve_connection() {
    take_outbox();
    pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {sock_.get(), POLLIN, 0}};
    if (!writeq_.empty()) fds[1].events |= POLLOUT;
    const int n = ::poll(fds, 2, poll_timeout(next_deadline(), kMaxPoll));
    if (n < 0 && errno != EINTR) return drop_connection(std::string("poll: ") + std::strerror(errno));
    if (fds[0].revents & POLLIN) drain_wake();
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!read_available()) return;
    }
    take_outbox();
    if (!writeq_.empty() && !flush_writes()) return;
    expire_deferred();
}

void DaemonLink::take_outbox() {
    std::lock_guard lock(mutex_);
    while (!outbox_.empty()) {
        writeq_.push_back(std::move(outbox_.front()));
        outbox_.pop_front();
    }
}

bool DaemonLink::flush_writes() {
    while (!writeq_.empty()) {
        std::string& frame = writeq_.front();
        const ssize_t n = ::send(sock_.get(), frame.data() + write_offset_, frame.size() - write_offset_,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // wait for POLLOUT
        if (n < 0) {
            drop_connection(std::string("send: ") + std::strerror(errno));
            return false;
        }
        write_offset_ += static_cast<std::size_t>(n);
        if (write_offset_ == frame.size()) {
            wipe(frame);  // it may carry a password
            writeq_.pop_front();
            write_offset_ = 0;
        }
    }
    return true;
}

bool DaemonLink::read_available() {
    char buf[kReadChunk];
    for (int round = 0; round < kMaxReadsPerWakeup; ++round) {
        const ssize_t n = ::recv(sock_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n < 0) {
            drop_connection(std::string("recv: ") + std::strerror(errno));
            return false;
        }
        if (n == 0) {
            drop_connection("daemon closed the connection");
            return false;
        }
        decoder_.feed(buf, static_cast<std::size_t>(n));
        wire::Message msg;
        for (;;) {
            const auto status = decoder_.next(msg);
            if (status == wire::DecodeStatus::NeedMore) break;
            if (status == wire::DecodeStatus::Error) {
                drop_connection("malformed frame from daemon: " + decoder_.error());
                return false;
            }
            dispatch(msg);
        }
    }
    return true;
}

void DaemonLink::dispatch(const wire::Message& msg) {
    switch (msg.type) {
        case wire::Type::Verdict:
            return resolve(msg.id, outcome_of(msg));
        case wire::Type::Error:
            if (msg.id != 0) return resolve(msg.id, outcome_of(msg));
            return log_.later(log::Level::Warning, "daemon reported an error",
                              {{"reason", msg.get_or(protocol::field::reason, "")}});
        case wire::Type::Ping: {
            writeq_.push_back(wire::encode(wire::Message(wire::Type::Pong, msg.id)));
            return;
        }
        case wire::Type::Notice:
            return log_.later(log::Level::Info, "daemon notice", {{"text", msg.get_or(protocol::field::text, "")}});
        case wire::Type::Pong:
            return;
        default:
            return log_.later(log::Level::Warning, "unexpected message from daemon",
                              {{"type", wire::type_name(msg.type)}, {"id", std::to_string(msg.id)}});
    }
}

void DaemonLink::drop_connection(const std::string& reason) {
    sock_.reset();
    for (auto& f : writeq_) wipe(f);
    writeq_.clear();
    write_offset_ = 0;
    log_.later(log::Level::Error, "daemon connection lost",
               {{"error", reason}, {"failed_requests", std::to_string(pending_count())}});
    // Every request in flight is refused: its verdict can no longer arrive.
    fail_all("daemon connection lost");
}

}  // namespace warden::plugin

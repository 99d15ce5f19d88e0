// DaemonLink's I/O thread: connect with backoff, send what callers left queued, read
// replies no caller is reading, expire deferred requests, write deferred verdicts. It
// blocks only in poll(), always with the wake eventfd in the set, so stop() is prompt.
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
constexpr int kMaxReadsPerWakeup = 16;  // fairness: let writes and expiry run too

int poll_timeout(DaemonLink::Clock::time_point deadline, milliseconds cap) {
    const auto now = DaemonLink::Clock::now();
    if (deadline <= now) return 0;
    const auto left = std::chrono::ceil<milliseconds>(deadline - now);
    return static_cast<int>(std::min(left, cap).count());
}

void drain(int eventfd) {
    std::uint64_t value = 0;
    [[maybe_unused]] auto n = ::read(eventfd, &value, sizeof value);
}

void wipe_all(std::deque<std::string>& frames) {
    for (auto& f : frames) wipe(f);
    frames.clear();
}

}  // namespace

void DaemonLink::run() {
    auto backoff = options_.backoff_min;
    for (;;) {
        if (state_.lock()->stopping) break;
        housekeeping();
        if (sock_) {
            serve_connection();
            backoff = options_.backoff_min;
            continue;
        }
        if (try_connect()) continue;
        wait_backoff(backoff);
        backoff = std::min(backoff * 2, options_.backoff_max);
    }
}

// Deferred verdicts that callers read (their files), and dropped sockets no caller
// polls any more.
void DaemonLink::housekeeping() {
    std::vector<Delivery> known;
    std::vector<UniqueFd> closing;
    {
        auto state = state_.lock();
        known.swap(state->handoff);
        if (state->pollers == 0) closing.swap(state->retired);
    }
    deliver(known, "verdict");
}

bool DaemonLink::try_connect() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, options_.socket_path.c_str(), sizeof(addr.sun_path) - 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        wire::Message hello(wire::Type::Hello, 0);
        hello.set(std::string(protocol::field::instance), options_.instance);
        hello.set(std::string(protocol::field::plugin_version),
                  std::string(protocol::kPluginVersion));
        hello.set(std::string(protocol::field::pid), std::to_string(::getpid()));
        std::string frame = wire::encode(hello);
        {
            auto reading = reading_.lock();
            auto writing = writing_.lock();
            auto state = state_.lock();
            sock_ = std::move(fd);
            ++conn_gen_;
            reading->decoder = wire::Decoder();
            reading->read_error.clear();
            writing->writeq.push_back(std::move(frame));  // always the first frame on a connection
            state->connected = true;
        }
        {
            // Sent now, so callers find the queue empty and send directly. A send error
            // shows again in serve_connection(), which drops the connection.
            [[maybe_unused]] const std::string error = flush_locked(*writing_.lock());
        }
        reported_down_ = false;
        log_.later(log::Level::Info, "daemon connected", {{"socket", options_.socket_path}});
        return true;
    }
    // A UNIX connect does not block: refused, missing or backlog full (EAGAIN) all
    // mean "try again later". Log once per outage, not every backoff step.
    const std::string error =
        fd ? std::strerror(errno) : std::string("socket: ") + std::strerror(errno);
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
        if (state_.lock()->stopping) return;
        const int timeout = poll_timeout(until, kMaxPoll);
        if (timeout == 0) return;
        pollfd p{wake_fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, timeout) > 0) {
            drain(wake_fd_.get());
            housekeeping();
        }
    }
}

// One poll round on a live connection; drops it on any error, its own or one a caller
// found.
void DaemonLink::serve_connection() {
    const bool want_write = !writing_.lock()->writeq.empty();
    pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0},
                     {sock_.get(), static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0}};
    const int n = ::poll(fds, 2, poll_timeout(next_deadline(), kMaxPoll));
    if (n < 0 && errno != EINTR) {
        return drop_connection(std::string("poll: ") + std::strerror(errno));
    }
    const bool woken = (fds[0].revents & POLLIN) != 0;
    if (woken) drain(wake_fd_.get());
    // A wake may mean that a caller found the stream broken or left frames to send. The
    // locks are taken only when needed: a caller may be waiting for them.
    const bool readable = (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    std::string error;
    if (readable || woken) error = read_replies(readable);
    if (error.empty() && (woken || (fds[1].revents & POLLOUT))) error = flush_writes();
    if (!error.empty()) return drop_connection(error);
    expire_deferred();
}

// Reads if `readable`; returns the stream's error (also one a caller recorded).
std::string DaemonLink::read_replies(bool readable) {
    std::vector<Delivery> deferred;
    std::string error;
    {
        // Blocking here is fine: a caller holds the lock only for a non-blocking read.
        auto reading = reading_.lock();
        if (readable) read_locked(*reading, kMaxReadsPerWakeup, nullptr, deferred);
        error = reading->read_error;
    }
    deliver(deferred, "verdict");
    return error;
}

std::string DaemonLink::flush_writes() {
    return flush_locked(*writing_.lock());
}

void DaemonLink::drop_connection(const std::string& reason) {
    std::vector<Delivery> deferred;
    std::size_t failed = 0;
    bool callers = false;
    {
        auto reading = reading_.lock();
        auto writing = writing_.lock();
        auto state = state_.lock();
        ++conn_gen_;  // frames still on their way to send_frame() are dropped there
        state->connected = false;
        reading->decoder = wire::Decoder();
        reading->read_error.clear();
        wipe_all(writing->writeq);
        writing->write_offset = 0;
        // A caller may be in poll() on this fd: it stays open (housekeeping closes it) so
        // the number cannot be reused under the caller.
        if (state->pollers > 0) state->retired.push_back(std::move(sock_));
        sock_.reset();
        failed = state->pending.size();
        // Every request in flight is refused: its verdict can no longer arrive.
        callers = fail_all_locked(*state, "daemon connection lost", deferred);
    }
    if (callers) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(sync_fd_.get(), &one, sizeof one);
    }
    log_.later(log::Level::Error, "daemon connection lost",
               {{"error", reason}, {"failed_requests", std::to_string(failed)}});
    deliver(deferred, "connection lost");
}

}  // namespace warden::plugin

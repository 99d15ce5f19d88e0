// DaemonLink's I/O thread: connect with backoff, send what callers left queued, read
// replies no caller is reading, expire deferred requests, write deferred verdicts. It
// blocks only in poll(), always with the wake eventfd in the set, so stop() is prompt.
//
// Reconnecting: the backoff (50 ms doubling to 1 s) only paces attempts while nobody
// waits. Requests queued for the daemon shorten the wait to fast_retry (20 ms), and an
// inotify watch on the socket's folder (kept while disconnected) ends it the moment the
// daemon creates its socket, so a restarted daemon is used within milliseconds.
#include <poll.h>
#include <sys/inotify.h>
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
    auto next_wait = backoff;
    for (;;) {
        if (state_.lock()->stopping) break;
        housekeeping();
        if (sock_) {
            serve_connection();
            next_wait = backoff = options_.backoff_min;
            continue;
        }
        if (try_connect()) continue;
        if (wait_to_reconnect(next_wait)) {
            // The socket just appeared: the daemon may not listen yet, so try again soon.
            next_wait = options_.fast_retry;
        } else {
            backoff = std::min(backoff * 2, options_.backoff_max);
            next_wait = backoff;
        }
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
        std::size_t resent = 0;
        {
            auto reading = reading_.lock();
            auto writing = writing_.lock();
            auto state = state_.lock();
            sock_ = std::move(fd);
            ++conn_gen_;
            reading->decoder = wire::Decoder();
            reading->read_error.clear();
            writing->writeq.push_back(std::move(frame));  // always the first frame on a connection
            resent = send_queued_locked(*state, *writing);  // what waited for the daemon, in order
            state->connected = true;
        }
        {
            // Sent now, so callers find the queue empty and send directly. A send error
            // shows again in serve_connection(), which drops the connection.
            [[maybe_unused]] const std::string error = flush_locked(*writing_.lock());
        }
        reported_down_ = false;
        unwatch_socket_folder();
        log_.later(log::Level::Info, "daemon connected",
                   {{"socket", options_.socket_path}, {"queued_requests", std::to_string(resent)}});
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

// Waits before the next connect attempt: `backoff`, or fast_retry while requests are
// queued. Refuses queued requests whose daemon_wait ran out. True when the socket (re)
// appeared or the watch was just set up (the socket may have appeared just before).
bool DaemonLink::wait_to_reconnect(milliseconds backoff) {
    const auto start = Clock::now();
    if (watch_socket_folder()) return true;
    for (;;) {
        if (state_.lock()->stopping) return false;
        expire_queued();
        const auto queued_until = first_queued_deadline();
        auto until = start + backoff;
        if (queued_until != Clock::time_point::max())
            until = std::min(until, start + options_.fast_retry);
        const int timeout = poll_timeout(std::min(until, queued_until), kMaxPoll);
        if (timeout == 0 && Clock::now() >= until) return false;
        pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {inotify_fd_.get(), POLLIN, 0}};
        if (::poll(fds, inotify_fd_ ? 2 : 1, timeout) <= 0) continue;
        if (fds[0].revents & POLLIN) {
            drain(wake_fd_.get());
            housekeeping();
        }
        if ((fds[1].revents & POLLIN) && socket_appeared()) return true;
    }
}

// Watches the socket's folder for the socket being created (bind), renamed into place
// or changed (chmod/chown after bind). True when the watch was added now.
bool DaemonLink::watch_socket_folder() {
    if (!inotify_fd_ || watch_ >= 0) return false;
    const auto slash = options_.socket_path.rfind('/');
    const std::string folder = slash == std::string::npos ? std::string(".")
                               : slash == 0               ? std::string("/")
                                                          : options_.socket_path.substr(0, slash);
    watch_ = ::inotify_add_watch(inotify_fd_.get(), folder.c_str(),
                                 IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR);
    return watch_ >= 0;  // e.g. EACCES, ENOENT: the retry timer alone then
}

// While connected nothing reads the events: no watch, so none pile up.
void DaemonLink::unwatch_socket_folder() {
    if (watch_ < 0) return;
    ::inotify_rm_watch(inotify_fd_.get(), watch_);
    watch_ = -1;
}

// Reads every pending event; true when one names the socket (or events were lost).
bool DaemonLink::socket_appeared() {
    const auto slash = options_.socket_path.rfind('/');
    const std::string_view name =
        std::string_view(options_.socket_path).substr(slash == std::string::npos ? 0 : slash + 1);
    bool appeared = false;
    alignas(inotify_event) char buf[4096];
    for (;;) {
        const ssize_t n = ::read(inotify_fd_.get(), buf, sizeof buf);
        if (n <= 0) return appeared;  // EAGAIN: all read
        for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
            at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            if ((ev->mask & IN_IGNORED) && ev->wd == watch_) watch_ = -1;  // folder gone
            if (ev->mask & IN_Q_OVERFLOW) appeared = true;
            if (ev->len > 0 && std::string_view(ev->name) == name) appeared = true;
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

// DaemonLink's socket access from either thread: sending a frame, reading and
// dispatching replies, and the caller's wait for its verdict.
//
// Neither thread ever blocks on the socket (MSG_DONTWAIT both ways): a frame that does
// not fit is left queued for the I/O thread, and a reader that finds nothing (the other
// thread took it) just goes back to waiting.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "common/protocol.hpp"
#include "plugin/daemon_link.hpp"
#include "plugin/request.hpp"

namespace warden::plugin {
namespace {

constexpr std::size_t kReadChunk = 16384;
// Reads per turn: the caller only needs its own verdict, which is rarely behind more
// than a few others; the I/O thread yields now and then so writes and expiry run too.
constexpr int kCallerReads = 2;
// After losing the read race, how long the caller waits on sync_fd_ alone before it
// looks at the socket again (the winner is still reading, so the socket would poll
// readable at once and the caller would only spin).
constexpr std::chrono::microseconds kLostRaceWait{200};

Outcome outcome_of(const wire::Message& msg) {
    if (msg.type == wire::Type::Error) {
        return Outcome{
            false, msg.get_or(protocol::field::reason, "daemon could not handle the request"), {}};
    }
    const std::string result = msg.get_or(protocol::field::result, "");
    if (result == protocol::kAllow) {
        return Outcome{true,
                       {},
                       msg.get_or(protocol::field::config, ""),
                       msg.get_or(protocol::field::prefetched, "") == "1"};
    }
    if (result == protocol::kDeny) {
        return Outcome{false, msg.get_or(protocol::field::reason, "denied"), {}};
    }
    return Outcome{false, "invalid verdict from daemon", {}};
}

timespec to_timespec(std::chrono::nanoseconds d) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
    return timespec{static_cast<std::time_t>(s.count()), static_cast<long>((d - s).count())};
}

void drain(int eventfd) {
    std::uint64_t value = 0;
    [[maybe_unused]] auto n = ::read(eventfd, &value, sizeof value);
}

}  // namespace

// Queues `frame` for connection `gen` and, when nothing is queued ahead of it, sends it
// at once from the calling thread. Whatever does not fit stays queued and the I/O thread
// is woken to send it (or to drop the connection, on a send error). False when the frame
// was dropped: connection gone, or `limit` frames already waiting.
bool DaemonLink::send_frame(std::string frame, std::uint64_t gen, std::size_t limit) {
    {
        auto writing = writing_.lock();
        if (gen != conn_gen_ || writing->writeq.size() >= limit) {
            wipe(frame);
            return false;
        }
        const bool first = writing->writeq.empty();
        writing->writeq.push_back(std::move(frame));
        // Frames ahead mean the I/O thread already waits for POLLOUT to send them (it was
        // woken when they were left over): appending keeps the order.
        if (!first) return true;
        // A send error is reported by the I/O thread.
        [[maybe_unused]] const std::string error = flush_locked(*writing);
        if (writing->writeq.empty()) return true;
        ++writing->sends_queued;
    }
    wake();
    return true;
}

// Sends queued frames until done or the socket is full. With writing_ locked.
std::string DaemonLink::flush_locked(Writing& writing) {
    auto& writeq = writing.writeq;
    auto& write_offset = writing.write_offset;
    while (!writeq.empty()) {
        std::string& frame = writeq.front();
        const ssize_t n = ::send(sock_.get(), frame.data() + write_offset,
                                 frame.size() - write_offset, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {};  // wait for POLLOUT
        if (n < 0) return std::string("send: ") + std::strerror(errno);
        write_offset += static_cast<std::size_t>(n);
        if (write_offset == frame.size()) {
            wipe(frame);  // it may carry a password
            writeq.pop_front();
            write_offset = 0;
        }
    }
    return {};
}

// Reads what is there (never blocks) and dispatches every complete frame. With
// reading_ locked. A broken stream is recorded in read_error, for the I/O thread.
void DaemonLink::read_locked(Reading& reading, int max_reads, const Pending* self,
                             std::vector<Delivery>& deferred) {
    auto& read_error = reading.read_error;
    auto& decoder = reading.decoder;
    char buf[kReadChunk];
    for (int round = 0; round < max_reads && read_error.empty(); ++round) {
        const ssize_t n = ::recv(sock_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0) {
            read_error = std::string("recv: ") + std::strerror(errno);
            return;
        }
        if (n == 0) {
            read_error = "daemon closed the connection";
            return;
        }
        decoder.feed(buf, static_cast<std::size_t>(n));
        wire::Message msg;
        for (;;) {
            const auto status = decoder.next(msg);
            if (status == wire::DecodeStatus::NeedMore) break;
            if (status == wire::DecodeStatus::Error) {
                read_error = "malformed frame from daemon: " + decoder.error();
                return;
            }
            dispatch(msg, self, deferred);
        }
    }
}

// With reading_ locked (so conn_gen_ is stable).
void DaemonLink::dispatch(const wire::Message& msg, const Pending* self,
                          std::vector<Delivery>& deferred) {
    switch (msg.type) {
        case wire::Type::Verdict:
            return resolve(msg.id, outcome_of(msg), self, deferred);
        case wire::Type::Error:
            if (msg.id != 0) return resolve(msg.id, outcome_of(msg), self, deferred);
            return log_.later(log::Level::Warning, "daemon reported an error",
                              {{"reason", msg.get_or(protocol::field::reason, "")}});
        case wire::Type::Ping:
            send_frame(wire::encode(wire::Message(wire::Type::Pong, msg.id)), conn_gen_, SIZE_MAX);
            return;
        case wire::Type::Notice:
            return log_.later(log::Level::Info, "daemon notice",
                              {{"text", msg.get_or(protocol::field::text, "")}});
        case wire::Type::Pong:
            return;
        case wire::Type::Invalidate: {
            // Every prefetched verdict is stale; the first also says Prefetch is understood.
            auto state = state_.lock();
            state->prefetched.clear();
            state->prefetch_ok = true;
            ++state->invalidations;
            return;
        }
        default:
            return log_.later(
                log::Level::Warning, "unexpected message from daemon",
                {{"type", wire::type_name(msg.type)}, {"id", std::to_string(msg.id)}});
    }
}

// The caller's wait: until its entry is answered or the deadline passes. It sleeps in
// poll() on the socket (to read the reply itself) and on sync_fd_ (the I/O thread read
// it first, or failed the request). conn.fd stays open meanwhile (State::pollers).
void DaemonLink::await_verdict(const Pending& entry, ConnRef conn, Clock::time_point deadline) {
    bool socket_usable = options_.caller_reads;  // false once the stream failed under us
    bool lost_race = false;
    while (!entry.answered.load(std::memory_order_acquire)) {
        const auto now = Clock::now();
        if (now >= deadline) return;
        auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
        if (lost_race) wait = std::min<std::chrono::nanoseconds>(wait, kLostRaceWait);
        const nfds_t count = socket_usable && !lost_race ? 2 : 1;
        pollfd fds[2] = {{sync_fd_.get(), POLLIN, 0}, {conn.fd, POLLIN, 0}};
        const timespec timeout = to_timespec(wait);
        const int n = ::ppoll(fds, count, &timeout, nullptr);
        lost_race = false;
        if (n <= 0) continue;  // timeout or EINTR: check the entry and the clock again
        if (fds[0].revents & POLLIN) drain(sync_fd_.get());
        if (count == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
            switch (read_as_caller(conn.gen, &entry)) {
                case CallerRead::Done:
                    break;
                case CallerRead::Busy:
                    lost_race = true;
                    break;
                case CallerRead::Broken:
                    socket_usable = false;  // the I/O thread drops it and fails the entry
                    break;
            }
        }
    }
}

// One read turn on the caller's thread, if no other thread is reading. Never closes the
// socket: a broken stream is left to the I/O thread, which is woken to notice.
DaemonLink::CallerRead DaemonLink::read_as_caller(std::uint64_t gen, const Pending* self) {
    std::vector<Delivery> deferred;
    bool broken = false;
    {
        auto reading = reading_.try_lock();
        if (!reading) return CallerRead::Busy;
        // Another connection by now: this one was dropped and every entry on it failed.
        if (gen != conn_gen_) return CallerRead::Broken;
        read_locked(*reading, kCallerReads, self, deferred);
        broken = !reading->read_error.empty();
    }
    hand_to_io(deferred, broken);
    return broken ? CallerRead::Broken : CallerRead::Done;
}

// Deferred verdicts a caller read: writing their files is the I/O thread's job, so
// OpenVPN's thread never waits on a file system for another client. A broken stream is
// the I/O thread's to drop.
void DaemonLink::hand_to_io(std::vector<Delivery>& deferred, bool broken) {
    if (!deferred.empty()) {
        auto state = state_.lock();
        for (auto& d : deferred) state->handoff.push_back(std::move(d));
    }
    if (broken || !deferred.empty()) wake();
}

}  // namespace warden::plugin

// A fake wardend for plugin tests: a UNIX socket server on its own thread that records
// what the plugin sends and answers through a responder the test sets (at once, after a
// delay, never), and lets the test push arbitrary frames or garbage.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "common/wire.hpp"

namespace warden::testing {

class FakeDaemon {
  public:
    using Clock = std::chrono::steady_clock;
    struct Reply {
        wire::Message msg;
        std::chrono::milliseconds delay{0};
    };
    // Called on the daemon thread for every Auth/Connect/Prefetch; nullopt = never answer.
    using Responder = std::function<std::vector<Reply>(const wire::Message&)>;

    explicit FakeDaemon(std::string path) : path_(std::move(path)) {}
    ~FakeDaemon() { stop(); }

    void start() {
        ::unlink(path_.c_str());
        listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
        if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listen_.get(), 16) != 0) {
            throw std::runtime_error("fake daemon: cannot listen on " + path_);
        }
        int p[2];
        if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe");
        stop_r_.reset(p[0]);
        stop_w_.reset(p[1]);
        stopping_ = false;
        thread_ = std::thread([this] { run(); });
    }

    // Closes the socket and every connection (the plugin sees EOF).
    void stop() {
        if (!thread_.joinable()) return;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        [[maybe_unused]] auto n = ::write(stop_w_.get(), "x", 1);
        thread_.join();
        client_.reset();
        listen_.reset();
        ::unlink(path_.c_str());
    }

    void set_responder(Responder r) {
        std::lock_guard lock(mutex_);
        responder_ = std::move(r);
    }

    // false: stop reading from the plugin (its frames pile up in the socket buffer).
    void set_reading(bool on) {
        std::lock_guard lock(mutex_);
        reading_ = on;
        [[maybe_unused]] auto n = ::write(stop_w_.get(), "r", 1);
    }
    // Closes the current connection (the plugin sees EOF) but keeps listening.
    void drop_client() {
        std::lock_guard lock(mutex_);
        drop_client_ = true;
        [[maybe_unused]] auto n = ::write(stop_w_.get(), "d", 1);
    }

    // Sends raw bytes / a message on the current connection (from the daemon thread).
    // Bytes passed in one call go out in one send().
    void send_raw(std::string bytes) {
        std::lock_guard lock(mutex_);
        scheduled_.push_back({Clock::now(), std::move(bytes)});
        [[maybe_unused]] auto n = ::write(stop_w_.get(), "w", 1);
    }
    void send(const wire::Message& msg) { send_raw(wire::encode(msg)); }

    std::vector<wire::Message> received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }
    std::size_t count(wire::Type type) const {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& m : received_) n += m.type == type;
        return n;
    }
    // Waits (bounded) until `pred(received)` holds.
    bool wait_until(const std::function<bool(const std::vector<wire::Message>&)>& pred,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return pred(received_); });
    }
    bool wait_count(wire::Type type, std::size_t n,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return wait_until(
            [&](const auto& all) {
                std::size_t c = 0;
                for (const auto& m : all) c += m.type == type;
                return c >= n;
            },
            timeout);
    }
    // Replies sent so far. A reply that is being sent counts once send() returned: this
    // waits (bounded) for it, so a count taken before a new message is never short by a
    // reply still on its way (wait_sent(before + 1) would then be met by that one).
    std::size_t sent_replies() const {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, std::chrono::seconds(5), [&] { return sending_ == 0; });
        return sent_;
    }
    bool wait_sent(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return sent_ >= n; });
    }

  private:
    struct Scheduled {
        Clock::time_point at;
        std::string bytes;
    };

    void run() {
        wire::Decoder decoder;
        for (;;) {
            int timeout = 20;
            bool reading = true;
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
                reading = reading_;
                if (std::exchange(drop_client_, false)) client_.reset();
                const auto now = Clock::now();
                for (const auto& s : scheduled_) {
                    const auto left =
                        std::chrono::ceil<std::chrono::milliseconds>(s.at - now).count();
                    timeout = std::max(0, std::min<int>(timeout, static_cast<int>(left)));
                }
            }
            pollfd fds[3] = {
                {stop_r_.get(), POLLIN, 0}, {listen_.get(), POLLIN, 0}, {client_.get(), POLLIN, 0}};
            ::poll(fds, client_ && reading ? 3 : 2, timeout);
            if (fds[0].revents & POLLIN) {
                char buf[64];
                while (::read(stop_r_.get(), buf, sizeof buf) > 0) {
                }
            }
            if (fds[1].revents & POLLIN) {
                UniqueFd c(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
                if (c) {
                    client_ = std::move(c);  // one plugin at a time: a reconnect replaces it
                    decoder = wire::Decoder();
                }
            }
            if (client_ && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) read_client(decoder);
            flush_due();
        }
    }

    void read_client(wire::Decoder& decoder) {
        char buf[65536];
        const ssize_t n = ::recv(client_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) client_.reset();
            return;
        }
        decoder.feed(buf, static_cast<std::size_t>(n));
        wire::Message msg;
        while (decoder.next(msg) == wire::DecodeStatus::Ok) handle(msg);
    }

    void handle(const wire::Message& msg) {
        Responder responder;
        {
            std::lock_guard lock(mutex_);
            received_.push_back(msg);
            responder = responder_;
        }
        cv_.notify_all();
        const bool request = msg.type == wire::Type::Auth || msg.type == wire::Type::Connect ||
                             msg.type == wire::Type::Prefetch;
        if (!request || !responder) return;
        for (auto& r : responder(msg)) {
            std::lock_guard lock(mutex_);
            scheduled_.push_back({Clock::now() + r.delay, wire::encode(r.msg)});
        }
    }

    void flush_due() {
        std::vector<std::string> due;
        {
            std::lock_guard lock(mutex_);
            const auto now = Clock::now();
            for (auto it = scheduled_.begin(); it != scheduled_.end();) {
                if (it->at <= now) {
                    due.push_back(std::move(it->bytes));
                    ++sending_;
                    it = scheduled_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (const auto& bytes : due) {
            if (client_) ::send(client_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
            std::lock_guard lock(mutex_);
            ++sent_;
            --sending_;
        }
        if (!due.empty()) cv_.notify_all();
    }

    std::string path_;
    UniqueFd listen_, client_, stop_r_, stop_w_;
    std::thread thread_;
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    bool stopping_ = false;
    bool reading_ = true;
    bool drop_client_ = false;
    Responder responder_;
    std::vector<wire::Message> received_;
    std::vector<Scheduled> scheduled_;
    std::size_t sent_ = 0;
    std::size_t sending_ = 0;  // taken from scheduled_, send() not yet returned
};

inline wire::Message verdict(std::uint32_t id, bool allow, std::string reason = {},
                             std::string config = {}) {
    wire::Message m(wire::Type::Verdict, id);
    m.set("result", allow ? "allow" : "deny");
    if (!reason.empty()) m.set("reason", std::move(reason));
    if (!config.empty()) m.set("config", std::move(config));
    return m;
}

}  // namespace warden::testing

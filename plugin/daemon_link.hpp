// The plugin's one connection to wardend, and the table of requests waiting for it.
//
// Threads: OpenVPN's thread calls call() / notify(); one I/O thread owns the socket,
// (re)connects with backoff, sends frames, reads replies and delivers verdicts.
//
// Ownership of a request: the table holds a shared_ptr<Pending>, and so does the
// OpenVPN thread while it waits. Whoever takes the entry out of the table (under the
// mutex) decides what happens to it:
//   * the I/O thread, on a verdict: a waiting caller gets the outcome through the
//     entry's condition variable; a deferred entry's verdict is written to its files;
//   * the caller, when the budget runs out and it cannot defer: it abandons the entry;
//   * the I/O thread again, on disconnect, timeout or stop.
// A verdict whose id is no longer in the table (answered, abandoned, failed) is
// ignored, so a late or duplicate reply can never touch freed memory.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "common/wire.hpp"
#include "plugin/plugin_log.hpp"
#include "plugin/verdict_files.hpp"

namespace warden::plugin {

class DaemonLink {
  public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        std::string socket_path;
        std::string instance = "default";
        std::chrono::milliseconds timeout{10000};  // deferred verdict deadline
        std::size_t max_pending = 10000;           // requests in flight (and queued notifications)
        std::chrono::milliseconds backoff_min{50};
        std::chrono::milliseconds backoff_max{1000};
    };

    struct Result {
        enum class State { Answered, Deferred, Refused };
        State state = State::Refused;
        Outcome outcome;  // Answered: the verdict; Refused: allow=false and why
        std::uint32_t id = 0;
    };

    DaemonLink(Options options, PluginLog& log);
    ~DaemonLink();
    DaemonLink(const DaemonLink&) = delete;
    DaemonLink& operator=(const DaemonLink&) = delete;

    // Tries the first connection right away (so a running daemon is ready when OpenVPN
    // finishes loading plugins), then starts the I/O thread. Returns an error text.
    std::string start();
    // Stops the I/O thread (prompt: it only ever blocks in poll on a wake fd) and drops
    // every pending request. Idempotent.
    void stop();

    // Sends `request` (an Auth or Connect; its id is assigned here, its secrets wiped)
    // and waits up to `budget` for the verdict. Not answered by then: with a target the
    // I/O thread takes the request over (Deferred), without one it is refused.
    Result call(wire::Message& request, std::chrono::microseconds budget,
                const DeferredTarget* target);
    // Queues a notification (id 0) without waiting. False when not connected or full.
    bool notify(wire::Message& msg);

    bool connected() const;
    std::size_t pending_count() const;

  private:
    struct Pending {
        std::uint32_t id = 0;
        Clock::time_point sent_at{};
        bool answered = false;  // outcome is final (for the waiting caller)
        bool deferred = false;  // the I/O thread writes the verdict to `target`
        Outcome outcome;
        DeferredTarget target;
        std::condition_variable cv;
    };
    using PendingPtr = std::shared_ptr<Pending>;
    using Delivery = std::pair<PendingPtr, Outcome>;

    static void record_latency(std::array<std::uint64_t, 32>& buckets, Clock::duration elapsed);
    static std::string summarize(const std::array<std::uint64_t, 32>& buckets);

    // Shared with OpenVPN's thread (link_state.cpp).
    void resolve(std::uint32_t id, Outcome outcome);
    void fail_all(const std::string& reason);
    void expire_deferred();
    void deliver(std::vector<Delivery>& deliveries, std::string_view why);
    std::uint32_t next_id_locked();
    Clock::time_point next_deadline() const;

    // I/O thread only (link_io.cpp).
    void run();
    bool try_connect();
    void serve_connection();
    void wait_backoff(std::chrono::milliseconds backoff);
    bool read_available();
    bool flush_writes();
    void dispatch(const wire::Message& msg);
    void drop_connection(const std::string& reason);
    void take_outbox();
    void wake();
    void drain_wake();

    Options options_;
    PluginLog& log_;
    UniqueFd wake_fd_;  // eventfd: new frames or stop
    std::thread thread_;

    // Guarded by mutex_.
    mutable std::mutex mutex_;
    bool stopping_ = false;
    bool connected_ = false;
    std::uint32_t last_id_ = 0;
    std::unordered_map<std::uint32_t, PendingPtr> pending_;
    std::deque<std::pair<Clock::time_point, std::uint32_t>> expiry_;  // deferred, by deadline
    std::deque<std::string> outbox_;                                  // frames for the I/O thread
    // Time from request to verdict, in power-of-two microsecond buckets (bucket b holds
    // [2^(b-1), 2^b) us), for verdicts in time and for deferred ones; logged at close.
    std::array<std::uint64_t, 32> in_time_us_{};
    std::array<std::uint64_t, 32> deferred_us_{};

    // I/O thread only.
    UniqueFd sock_;
    wire::Decoder decoder_;
    std::deque<std::string> writeq_;
    std::size_t write_offset_ = 0;
    bool reported_down_ = false;
    std::string last_connect_error_;
};

}  // namespace warden::plugin

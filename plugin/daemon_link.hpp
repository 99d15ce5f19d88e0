// The plugin's one connection to wardend, and the table of requests waiting for it.
//
// Threads: OpenVPN's thread calls call() / notify(); one I/O thread owns the connection's
// lifetime: it (re)connects with backoff, sends what could not be sent at once, reads
// replies nobody else is reading, expires deferred requests and writes deferred verdicts
// to their files.
//
// While the daemon is away (restarting), a request that can be deferred is queued
// (`State::queued`, its frame kept in its entry) and sent first thing on the next
// connection; if none comes within `daemon_wait` it is refused. Meanwhile the I/O thread
// retries every `fast_retry` and watches the socket's folder (inotify), so it reconnects
// as soon as the daemon listens again rather than at the end of a backoff step.
//
// The fast path needs no wake-up of the I/O thread: the caller writes its frame itself
// (when nothing is queued ahead of it) and then waits in poll() both on the socket and
// on sync_fd_. Whichever thread is woken first reads and dispatches the replies; the I/O
// thread signals sync_fd_ when it answered a waiting caller. A verdict in time thus
// waits for two wake-ups (wardend, the caller) instead of four in a row (I/O thread to
// send, wardend, I/O thread to read, caller): under CPU saturation each costs scheduling
// latency. (The reply wakes the I/O thread too, but nobody waits for it any more.)
//
// Locks (LockGuarded: the data is reachable only with its lock held), always taken in
// this order:
//   reading_   the decoder, the read error, recv() on the socket
//   writing_   the write queue, send() on the socket
//   state_     the request table and the rest of the shared state
// sock_ and conn_gen_ change only on the I/O thread with all three held, so other threads
// may read them under any one of them. Only the I/O thread closes a socket, and never
// one that a caller may still be polling (State::pollers, State::retired).
//
// Ownership of a request: the table holds a shared_ptr<Pending>, and so does the caller
// while it waits. Whoever takes the entry out of the table (under state_) decides what
// happens to it:
//   * a reader (either thread), on a verdict: a waiting caller finds `answered` set; a
//     deferred entry's verdict is written to its files by the I/O thread;
//   * the caller, when the budget runs out and it cannot defer: it abandons the entry;
//   * the I/O thread, on disconnect, timeout or stop.
// A verdict whose id is no longer in the table (answered, abandoned, failed) is ignored,
// so a late or duplicate reply can never touch freed memory.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "common/lock_guarded.hpp"
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
        // How long a request waits for the daemon to come back (0: refused at once).
        std::chrono::milliseconds daemon_wait{10000};
        // Reconnect attempts while requests wait, or after the socket (re)appeared.
        std::chrono::milliseconds fast_retry{20};
        std::size_t max_pending = 10000;  // requests in flight (and queued notifications)
        std::chrono::milliseconds backoff_min{50};
        std::chrono::milliseconds backoff_max{1000};
        // false: a waiting caller never reads the socket itself, only the I/O thread does
        // (the slower path before callers read; kept for tests and as a fallback).
        bool caller_reads = true;
    };

    struct Result {
        enum class State { Answered, Deferred, Refused };
        State state = State::Refused;
        Outcome outcome;  // Answered: the verdict; Refused: allow=false and why
        std::uint32_t id = 0;
        bool queued = false;  // Deferred because the daemon is away: waits for it
    };

    // Who did the work on the fast path (logged at close, read by tests).
    struct Stats {
        std::uint64_t read_by_caller = 0;  // verdicts in time read by a waiting caller itself
        std::uint64_t read_by_io = 0;      // verdicts in time read by the I/O thread
        std::uint64_t sends_queued = 0;    // frames a caller left to the I/O thread to send
        std::uint64_t prefetch_hits = 0;   // CLIENT_CONNECTs answered from a prefetch
        std::uint64_t invalidations = 0;   // Invalidate messages from the daemon
    };

    // How long a prefetched verdict may be used: it was asked at TLS verification, a few
    // ms (idle) to a few s (storm) before CLIENT_CONNECT. Verdicts that depend on the time
    // (a license, a certificate expiring meanwhile) are checked again by the daemon when
    // the client's Connect reaches it.
    static constexpr std::chrono::seconds kPrefetchTtl{5};
    static constexpr std::size_t kMaxPrefetched = 8192;  // kept and in flight, each
    static constexpr int kDrainReads = 8;                // reads before using a prefetch

    DaemonLink(Options options, PluginLog& log);
    ~DaemonLink();
    DaemonLink(const DaemonLink&) = delete;
    DaemonLink& operator=(const DaemonLink&) = delete;

    // Tries the first connection right away (so a running daemon is ready when OpenVPN
    // finishes loading plugins), then starts the I/O thread. Returns an error text.
    std::string start();
    // Stops the I/O thread (prompt: it only ever blocks in poll on a wake fd) and drops
    // every pending request. Idempotent. Not concurrent with call() / notify().
    void stop();

    // Sends `request` (an Auth or Connect; its id is assigned here, its secrets wiped)
    // and waits up to `budget` for the verdict. Not answered by then: with a target the
    // I/O thread takes the request over (Deferred), without one it is refused.
    // Meant for one calling thread (OpenVPN's); concurrent callers are safe but may see
    // a wake-up meant for another and then wait until they read their verdict themselves.
    // `prefetch_key` (an Auth): an allow that carries the Connect verdict too is kept as
    // that client's prefetched verdict, in the order the daemon's messages came.
    Result call(wire::Message& request, std::chrono::microseconds budget,
                const DeferredTarget* target, std::string prefetch_key = {});
    // Sends a notification (id 0) without waiting. False when not connected or full.
    bool notify(wire::Message& msg);
    // Tells the daemon that a request was deferred (`why`: budget or queued) after
    // OpenVPN's thread waited `waited` for it. While the daemon is away the report waits
    // (bounded) and goes out right after the next Hello. Deferred verdicts are reported
    // ("late", with how late) by the link itself when they are written.
    void report_deferral(std::string_view kind, std::string_view common_name, std::string_view why,
                         Clock::duration waited);

    // Prefetched connect verdicts (common/protocol.hpp: Prefetch, Invalidate). Asks the
    // daemon now for the Connect verdict of the client `key` names, without waiting; an
    // allow is kept for kPrefetchTtl. Does nothing until the daemon said it can (its first
    // Invalidate on this connection), or when too many are in flight.
    void prefetch(wire::Message& request, std::string key);
    // The client config of `key`'s prefetched allow, taken (used once), if there is one,
    // younger than kPrefetchTtl, with no Invalidate after it. Reads what the daemon sent
    // first, so an Invalidate that is already in the socket counts.
    std::optional<std::string> take_prefetched(const std::string& key);

    bool connected() const;
    std::size_t pending_count() const;
    Stats stats() const;

  private:
    struct Pending {
        std::uint32_t id = 0;
        Clock::time_point sent_at{};
        // outcome is final. Set under state_ after outcome; the waiting caller checks it
        // without the lock (a holder preempted on a busy CPU would stall it).
        std::atomic<bool> answered{false};
        bool deferred = false;  // the I/O thread writes the verdict to `target`
        Outcome outcome;
        DeferredTarget target;
        std::string frame;         // queued: the encoded request, sent once connected
        std::string common_name;   // for the "late" report
        std::string prefetch_key;  // an Auth whose allow may carry the Connect verdict
        ~Pending();                // wipes `frame` (it may carry a password)
    };
    using PendingPtr = std::shared_ptr<Pending>;
    using Delivery = std::pair<PendingPtr, Outcome>;
    // The connection a caller sent on: the fd it may poll, and which connection that was.
    struct ConnRef {
        int fd = -1;
        std::uint64_t gen = 0;
    };
    enum class CallerRead { Done, Busy, Broken };

    struct Reading {
        wire::Decoder decoder;
        std::string read_error;  // the stream is broken; the I/O thread drops the connection
    };
    struct Writing {
        std::deque<std::string> writeq;  // frames not yet fully sent, in order
        std::size_t write_offset = 0;    // bytes of writeq.front() already sent
        std::uint64_t sends_queued = 0;
    };
    struct State {
        bool stopping = false;
        bool connected = false;
        std::uint32_t last_id = 0;
        std::unordered_map<std::uint32_t, PendingPtr> pending;
        std::deque<std::pair<Clock::time_point, std::uint32_t>> expiry;  // deferred, by deadline
        std::deque<std::pair<Clock::time_point, std::uint32_t>> queued;  // waiting for the daemon
        std::vector<Delivery>
            handoff;      // deferred verdicts a caller read: the I/O thread writes them
        int pollers = 0;  // callers that may be polling the socket
        std::vector<UniqueFd> retired;  // dropped sockets, closed once pollers is 0
        // Time from request to verdict, in power-of-two microsecond buckets (bucket b holds
        // [2^(b-1), 2^b) us), for verdicts in time and for deferred ones; logged at close.
        std::array<std::uint64_t, 32> in_time_us{};
        std::array<std::uint64_t, 32> deferred_us{};
        std::uint64_t read_by_caller = 0;
        std::uint64_t read_by_io = 0;
        std::deque<std::string> reports;  // Report frames waiting for the daemon to be back
        // Prefetches (reset with the connection: another daemon may know other things).
        bool prefetch_ok = false;                                    // daemon sent Invalidate
        std::unordered_map<std::uint32_t, std::string> prefetching;  // id -> key, in flight
        std::unordered_map<std::string, std::pair<Clock::time_point, std::string>> prefetched;
        std::uint64_t prefetch_hits = 0;
        std::uint64_t invalidations = 0;
    };

    static void record_latency(std::array<std::uint64_t, 32>& buckets, Clock::duration elapsed);
    static std::string summarize(const std::array<std::uint64_t, 32>& buckets);

    // The request table (daemon_link.cpp).
    static std::uint32_t next_id_locked(State& state);
    Result finish_call(const PendingPtr& entry, const DeferredTarget* target);
    void resolve(std::uint32_t id, Outcome outcome, const Pending* self,
                 std::vector<Delivery>& deferred);
    static bool fail_all_locked(State& state, const std::string& reason,
                                std::vector<Delivery>& deferred);
    static void forget_prefetches_locked(State& state);
    // A prefetch's verdict: kept if allow. False when `id` was no prefetch.
    static bool keep_prefetched_locked(State& state, std::uint32_t id, Outcome& outcome);
    static void keep_locked(State& state, const std::string& key, const std::string& config);
    void expire_deferred();
    Result queue_locked(State& state, wire::Message& request, const DeferredTarget* target);
    std::size_t send_queued_locked(State& state, Writing& writing);
    void expire_queued();
    Clock::time_point first_queued_deadline() const;
    void deliver(std::vector<Delivery>& deliveries, std::string_view why);
    // Sends a Report now, or keeps it for the next connection (bounded).
    void send_report(wire::Message& report);
    Clock::time_point next_deadline() const;

    // The socket, from either thread (link_socket.cpp).
    bool send_frame(std::string frame, std::uint64_t gen, std::size_t limit);
    std::string flush_locked(Writing& writing);
    void read_locked(Reading& reading, int max_reads, const Pending* self,
                     std::vector<Delivery>& deferred);
    void dispatch(const wire::Message& msg, const Pending* self, std::vector<Delivery>& deferred);
    void await_verdict(const Pending& entry, ConnRef conn, Clock::time_point deadline);
    CallerRead read_as_caller(std::uint64_t gen, const Pending* self);
    void hand_to_io(std::vector<Delivery>& deferred, bool broken);

    // I/O thread only (link_io.cpp).
    void run();
    bool try_connect();
    void serve_connection();
    bool wait_to_reconnect(std::chrono::milliseconds backoff);
    bool watch_socket_folder();
    void unwatch_socket_folder();
    bool socket_appeared();
    std::string read_replies(bool readable);
    std::string flush_writes();
    void drop_connection(const std::string& reason);
    void housekeeping();

    void wake();

    Options options_;
    PluginLog& log_;
    UniqueFd wake_fd_;     // eventfd: wakes the I/O thread (work for it, stop)
    UniqueFd sync_fd_;     // eventfd: the I/O thread answered a caller waiting in call()
    UniqueFd inotify_fd_;  // the socket's folder: the daemon (re)created its socket
    std::thread thread_;

    // Changed with reading_, writing_ and state_ held (see above).
    UniqueFd sock_;
    std::uint64_t conn_gen_ = 0;  // bumped on every connect and drop

    LockGuarded<Reading> reading_;
    LockGuarded<Writing> writing_;
    LockGuarded<State> state_;

    // I/O thread only.
    int watch_ = -1;  // inotify watch on the socket's folder, -1 when none
    bool reported_down_ = false;
    std::string last_connect_error_;
};

}  // namespace warden::plugin

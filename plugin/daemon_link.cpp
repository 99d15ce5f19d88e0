// DaemonLink: the request table and the calls made from OpenVPN's thread. Socket access
// shared by both threads is in link_socket.cpp, the I/O thread in link_io.cpp.
#include "plugin/daemon_link.hpp"

#include <sys/eventfd.h>
#include <sys/inotify.h>

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/protocol.hpp"
#include "plugin/request.hpp"

namespace warden::plugin {
namespace {

DaemonLink::Result refused(std::string reason) {
    DaemonLink::Result r;
    r.state = DaemonLink::Result::State::Refused;
    r.outcome.allow = false;
    r.outcome.reason = std::move(reason);
    return r;
}

void wipe_all(std::deque<std::string>& frames) {
    for (auto& f : frames) wipe(f);
    frames.clear();
}

// Reports that wait for an absent daemon; older ones are dropped beyond this.
constexpr std::size_t kMaxWaitingReports = 1000;

// Milliseconds with microsecond precision, e.g. "2.013".
std::string millis(DaemonLink::Clock::duration d) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(us / 1000),
                  static_cast<long long>(us % 1000));
    return buf;
}

wire::Message report_message(std::string_view event, std::string_view kind,
                             std::string_view common_name) {
    wire::Message m(wire::Type::Report, 0);
    m.set(std::string(protocol::field::event), std::string(event));
    m.set(std::string(protocol::field::kind), std::string(kind));
    m.set(std::string(protocol::field::common_name), std::string(common_name));
    return m;
}

}  // namespace

DaemonLink::Pending::~Pending() {
    wipe(frame);
}

DaemonLink::DaemonLink(Options options, PluginLog& log) : options_(std::move(options)), log_(log) {}

DaemonLink::~DaemonLink() {
    stop();
}

std::string DaemonLink::start() {
    wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    sync_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_fd_ || !sync_fd_) return std::string("eventfd: ") + std::strerror(errno);
    // Optional: without it (no inotify, folder missing) reconnects follow the retry timer.
    inotify_fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    try_connect();
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error& e) {
        sock_.reset();
        return std::string("cannot start the I/O thread: ") + e.what();
    }
    return {};
}

void DaemonLink::record_latency(std::array<std::uint64_t, 32>& buckets, Clock::duration elapsed) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    std::size_t bucket = 0;
    for (auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0)); v > 0 && bucket < 31;
         v >>= 1)
        ++bucket;
    ++buckets[bucket];
}

// "count=N p50<=X p99<=Y max<=Z" (upper bounds of the buckets, in microseconds).
std::string DaemonLink::summarize(const std::array<std::uint64_t, 32>& buckets) {
    std::uint64_t total = 0;
    for (auto n : buckets) total += n;
    if (total == 0) return "count=0";
    auto bound = [](std::size_t b) {
        return std::to_string(b == 0 ? 0 : (std::uint64_t{1} << b) - 1);
    };
    auto quantile = [&](double q) {
        std::uint64_t seen = 0;
        for (std::size_t b = 0; b < buckets.size(); ++b) {
            seen += buckets[b];
            if (static_cast<double>(seen) >= q * static_cast<double>(total)) return bound(b);
        }
        return bound(buckets.size() - 1);
    };
    std::size_t top = buckets.size() - 1;
    while (top > 0 && buckets[top] == 0) --top;
    return "count=" + std::to_string(total) + " p50<=" + quantile(0.5) +
           "us p99<=" + quantile(0.99) + "us max<=" + bound(top) + "us";
}

void DaemonLink::stop() {
    {
        auto state = state_.lock();
        if (state->stopping && !thread_.joinable()) return;
        state->stopping = true;
        log_.later(log::Level::Info, "verdict latency",
                   {{"in_time", summarize(state->in_time_us)},
                    {"deferred", summarize(state->deferred_us)},
                    {"read_by_caller", std::to_string(state->read_by_caller)},
                    {"read_by_io", std::to_string(state->read_by_io)},
                    {"prefetched", std::to_string(state->prefetch_hits)}});
    }
    wake();
    if (thread_.joinable()) thread_.join();
    // Only deferred requests can be left (close runs on OpenVPN's thread, so nobody
    // waits in call()); OpenVPN drops those clients itself when it shuts down. Verdicts
    // already read are still written: they are known.
    std::vector<Delivery> known;
    {
        auto reading = reading_.lock();
        auto writing = writing_.lock();
        auto state = state_.lock();
        state->connected = false;
        ++conn_gen_;
        state->pending.clear();  // queued frames are wiped with their entries
        state->expiry.clear();
        state->queued.clear();
        known.swap(state->handoff);
        wipe_all(writing->writeq);
        writing->write_offset = 0;
        sock_.reset();
        state->retired.clear();
    }
    deliver(known, "verdict");
}

bool DaemonLink::connected() const {
    return state_.lock()->connected;
}

std::size_t DaemonLink::pending_count() const {
    return state_.lock()->pending.size();
}

DaemonLink::Stats DaemonLink::stats() const {
    Stats s;
    {
        auto state = state_.lock();
        s.read_by_caller = state->read_by_caller;
        s.read_by_io = state->read_by_io;
        s.prefetch_hits = state->prefetch_hits;
        s.invalidations = state->invalidations;
    }
    s.sends_queued = writing_.lock()->sends_queued;
    return s;
}

std::uint32_t DaemonLink::next_id_locked(State& state) {
    // 0 is reserved for notifications; after a wrap, skip ids still in flight.
    do {
        ++state.last_id;
    } while (state.last_id == 0 || state.pending.count(state.last_id) != 0);
    return state.last_id;
}

DaemonLink::Result DaemonLink::call(wire::Message& request, std::chrono::microseconds budget,
                                    const DeferredTarget* target, std::string prefetch_key) {
    const auto deadline = Clock::now() + budget;
    auto entry = std::make_shared<Pending>();
    entry->prefetch_key = std::move(prefetch_key);
    std::string frame;
    ConnRef conn;
    {
        auto state = state_.lock();
        if (state->stopping) {
            wipe_secrets(request);
            return refused("daemon not connected");
        }
        if (state->pending.size() >= options_.max_pending) {
            wipe_secrets(request);
            return refused("too many pending requests");
        }
        if (!state->connected) return queue_locked(*state, request, target);
        request.id = entry->id = next_id_locked(*state);
        entry->common_name = request.get_or(protocol::field::common_name, "");
        const bool ok = encode_frame(request, frame);
        wipe_secrets(request);
        if (!ok) return refused("request too large");
        entry->sent_at = Clock::now();
        state->pending.emplace(entry->id, entry);
        conn = ConnRef{sock_.get(), conn_gen_};
        ++state->pollers;  // keeps conn.fd open until finish_call()
    }
    try {
        // Not sent only when the connection was dropped meanwhile, which failed the entry.
        send_frame(std::move(frame), conn.gen, SIZE_MAX);
        await_verdict(*entry, conn, deadline);
    } catch (...) {  // bad_alloc: still release the poller and the entry
        finish_call(entry, nullptr);
        throw;
    }
    return finish_call(entry, target);
}

DaemonLink::Result DaemonLink::finish_call(const PendingPtr& entry, const DeferredTarget* target) {
    Result result;
    result.id = entry->id;
    bool wake_io = false;
    {
        auto state = state_.lock();
        wake_io =
            --state->pollers == 0 && !state->retired.empty();  // the I/O thread may close them now
        if (entry->answered) {  // a reader already took it out of the table
            result.state = Result::State::Answered;
            result.outcome = std::move(entry->outcome);
        } else if (target == nullptr || target->control_file.empty()) {
            state->pending.erase(entry->id);  // a verdict arriving later finds nothing: ignored
            result = refused("no verdict within the budget and the request cannot be deferred");
            result.id = entry->id;
        } else {
            entry->deferred = true;
            entry->target = *target;
            state->expiry.emplace_back(Clock::now() + options_.timeout, entry->id);
            result.state = Result::State::Deferred;
        }
    }
    if (wake_io) wake();
    return result;
}

bool DaemonLink::notify(wire::Message& msg) {
    msg.id = 0;
    std::string frame;
    const bool ok = encode_frame(msg, frame);
    wipe_secrets(msg);
    if (!ok) return false;
    std::uint64_t gen = 0;
    {
        auto state = state_.lock();
        if (state->stopping || !state->connected) {
            wipe(frame);
            return false;
        }
        gen = conn_gen_;
    }
    return send_frame(std::move(frame), gen, options_.max_pending);
}

// Called by whichever thread read the reply; `self` is that thread's own waiting entry
// (nullptr on the I/O thread). Deferred verdicts are returned in `deferred`: their
// files are written by the I/O thread, outside every lock.
void DaemonLink::resolve(std::uint32_t id, Outcome outcome, const Pending* self,
                         std::vector<Delivery>& deferred) {
    bool signal = false;
    {
        auto state = state_.lock();
        const auto it = state->pending.find(id);
        if (it == state->pending.end() && keep_prefetched_locked(*state, id, outcome)) return;
        if (it == state->pending.end()) {
            log_.later(log::Level::Debug, "late verdict ignored", {{"id", std::to_string(id)}});
            return;
        }
        PendingPtr entry = std::move(it->second);
        state->pending.erase(it);
        // Kept now, in the order of the daemon's messages: an Invalidate after this reply
        // (maybe in the same read) must find it.
        if (outcome.allow && outcome.connect_ready && !entry->prefetch_key.empty())
            keep_locked(*state, entry->prefetch_key, outcome.config);
        record_latency(entry->deferred ? state->deferred_us : state->in_time_us,
                       Clock::now() - entry->sent_at);
        if (entry->deferred) {
            deferred.emplace_back(std::move(entry), std::move(outcome));
            return;
        }
        entry->outcome = std::move(outcome);
        entry->answered.store(true, std::memory_order_release);
        ++(self != nullptr ? state->read_by_caller : state->read_by_io);
        signal = entry.get() != self;  // its caller is (or will be) waiting in poll()
    }
    if (signal) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(sync_fd_.get(), &one, sizeof one);
    }
}

// Refuses every request in flight; returns whether a waiting caller must be woken.
bool DaemonLink::fail_all_locked(State& state, const std::string& reason,
                                 std::vector<Delivery>& deferred) {
    bool callers = false;
    for (auto& [id, entry] : state.pending) {
        Outcome deny{false, reason, {}};
        if (entry->deferred) {
            deferred.emplace_back(entry, std::move(deny));
        } else {
            entry->outcome = std::move(deny);
            entry->answered.store(true, std::memory_order_release);
            callers = true;
        }
    }
    state.pending.clear();
    state.expiry.clear();
    state.queued.clear();
    forget_prefetches_locked(state);
    return callers;
}

void DaemonLink::forget_prefetches_locked(State& state) {
    state.prefetch_ok = false;
    state.prefetching.clear();
    state.prefetched.clear();
}

bool DaemonLink::keep_prefetched_locked(State& state, std::uint32_t id, Outcome& outcome) {
    const auto it = state.prefetching.find(id);
    if (it == state.prefetching.end()) return false;
    std::string key = std::move(it->second);
    state.prefetching.erase(it);
    // A refusal is asked again at CLIENT_CONNECT, which logs it with its reason.
    if (outcome.allow) keep_locked(state, key, outcome.config);
    return true;
}

void DaemonLink::keep_locked(State& state, const std::string& key, const std::string& config) {
    const auto now = Clock::now();
    if (state.prefetched.size() >= kMaxPrefetched) {
        std::erase_if(state.prefetched,
                      [&](const auto& e) { return now - e.second.first > kPrefetchTtl; });
        if (state.prefetched.size() >= kMaxPrefetched) return;
    }
    state.prefetched[key] = {now, config};
}

void DaemonLink::prefetch(wire::Message& request, std::string key) {
    std::string frame;
    std::uint64_t gen = 0;
    {
        auto state = state_.lock();
        if (state->stopping || !state->connected || !state->prefetch_ok ||
            state->prefetching.size() >= kMaxPrefetched)
            return;
        request.id = next_id_locked(*state);
        if (!encode_frame(request, frame)) return;
        state->prefetching.emplace(request.id, std::move(key));
        gen = conn_gen_;
    }
    send_frame(std::move(frame), gen, options_.max_pending);
}

std::optional<std::string> DaemonLink::take_prefetched(const std::string& key) {
    {
        // What the daemon already sent (an Invalidate among it) is read first. The I/O
        // thread holds this lock only while it reads without blocking.
        std::vector<Delivery> deferred;
        bool broken = false;
        {
            auto reading = reading_.lock();
            if (sock_ && reading->read_error.empty())
                read_locked(*reading, kDrainReads, nullptr, deferred);
            broken = !reading->read_error.empty();
        }
        hand_to_io(deferred, broken);
        if (broken) return std::nullopt;
    }
    auto state = state_.lock();
    const auto it = state->prefetched.find(key);
    if (it == state->prefetched.end()) return std::nullopt;
    auto [at, config] = std::move(it->second);
    state->prefetched.erase(it);
    if (Clock::now() - at > kPrefetchTtl) return std::nullopt;
    ++state->prefetch_hits;
    return std::move(config);
}

void DaemonLink::expire_deferred() {
    std::vector<Delivery> deliveries;
    {
        auto state = state_.lock();
        const auto now = Clock::now();
        auto& expiry = state->expiry;
        auto& pending = state->pending;
        while (!expiry.empty() && expiry.front().first <= now) {
            const auto it = pending.find(expiry.front().second);
            expiry.pop_front();
            if (it == pending.end() || !it->second->deferred) continue;  // answered meanwhile
            deliveries.emplace_back(std::move(it->second),
                                    Outcome{false, "daemon did not answer in time", {}});
            pending.erase(it);
        }
        // Answered entries stay in expiry until their deadline; keep it bounded anyway.
        if (expiry.size() > 2 * options_.max_pending) {
            std::erase_if(expiry,
                          [&pending](const auto& e) { return pending.count(e.second) == 0; });
        }
    }
    deliver(deliveries, "timeout");
}

DaemonLink::Clock::time_point DaemonLink::next_deadline() const {
    const auto state = state_.lock();
    return state->expiry.empty() ? Clock::time_point::max() : state->expiry.front().first;
}

void DaemonLink::deliver(std::vector<Delivery>& deliveries, std::string_view why) {
    for (auto& [entry, outcome] : deliveries) {
        const std::string id = std::to_string(entry->id);
        const char* kind = entry->target.kind == DeferredTarget::Kind::Auth ? "auth" : "connect";
        const std::string error = deliver_deferred(entry->target, outcome);
        wire::Message late = report_message(protocol::report::kLate, kind, entry->common_name);
        late.set(std::string(protocol::field::result),
                 std::string(outcome.allow      ? protocol::kAllow
                             : why == "timeout" ? protocol::report::kTimeout
                                                : protocol::kDeny));
        late.set(std::string(protocol::field::late_ms), millis(Clock::now() - entry->sent_at));
        send_report(late);
        if (!error.empty()) {
            log_.later(log::Level::Warning, "deferred verdict not fully written",
                       {{"kind", kind}, {"id", id}, {"error", error}});
        }
        if (outcome.allow) {
            log_.later(log::Level::Info, "deferred request allowed", {{"kind", kind}, {"id", id}});
        } else {
            log_.later(log::Level::Warning, "deferred request refused",
                       {{"kind", kind}, {"id", id}, {"cause", why}, {"reason", outcome.reason}});
        }
    }
    deliveries.clear();
}

void DaemonLink::report_deferral(std::string_view kind, std::string_view common_name,
                                 std::string_view why, Clock::duration waited) {
    wire::Message m = report_message(protocol::report::kDeferred, kind, common_name);
    m.set(std::string(protocol::field::why), std::string(why));
    m.set(std::string(protocol::field::waited_ms), millis(waited));
    send_report(m);
}

void DaemonLink::send_report(wire::Message& report) {
    if (notify(report)) return;
    std::string frame;
    if (!encode_frame(report, frame)) return;
    auto state = state_.lock();
    if (state->stopping) return;
    if (state->reports.size() >= kMaxWaitingReports) state->reports.pop_front();
    state->reports.push_back(std::move(frame));
}

void DaemonLink::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

}  // namespace warden::plugin

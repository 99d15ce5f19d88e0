// DaemonLink's queue for the daemon's absence: a request that arrives while the link is
// down is deferred (OpenVPN's thread returns at once) and kept with its encoded frame;
// the next connection sends it right after the Hello. A daemon restart thus delays
// clients by the restart's duration instead of refusing them. A daemon that stays away
// longer than `daemon_wait` gets the request refused: fail closed, logged.
#include <cstdint>

#include "plugin/daemon_link.hpp"
#include "plugin/request.hpp"

namespace warden::plugin {

// With mutex_ held, not connected. Refuses what cannot wait: no control file to write
// the verdict to later, or waiting turned off.
DaemonLink::Result DaemonLink::queue_locked(wire::Message& request, const DeferredTarget* target) {
    Result result;
    result.outcome = Outcome{false, "daemon not connected", {}};
    if (target == nullptr || target->control_file.empty() || options_.daemon_wait.count() <= 0) {
        wipe_secrets(request);
        return result;
    }
    auto entry = std::make_shared<Pending>();
    request.id = entry->id = next_id_locked();
    const bool ok = encode_frame(request, entry->frame);
    wipe_secrets(request);
    if (!ok) {
        result.outcome.reason = "request too large";
        return result;
    }
    const auto now = Clock::now();
    entry->sent_at = now;  // latency counts from the client's request, waiting included
    entry->deferred = true;
    entry->target = *target;
    pending_.emplace(entry->id, entry);
    queued_.emplace_back(now + options_.daemon_wait, entry->id);
    result.state = Result::State::Deferred;
    result.queued = true;
    result.id = entry->id;
    wake();  // the I/O thread switches to fast reconnect attempts
    return result;
}

// On a new connection, with all three locks held and the Hello queued: queues every
// waiting frame behind it, in arrival order, and starts each one's verdict deadline.
std::size_t DaemonLink::send_queued_locked() {
    std::size_t sent = 0;
    const auto now = Clock::now();
    for (const auto& [deadline, id] : queued_) {
        const auto it = pending_.find(id);
        if (it == pending_.end() || it->second->frame.empty()) continue;
        writeq_.push_back(std::move(it->second->frame));
        it->second->frame.clear();
        expiry_.emplace_back(now + options_.timeout, id);
        ++sent;
    }
    queued_.clear();
    return sent;
}

// I/O thread, while disconnected: refuses the requests that waited `daemon_wait` in vain.
void DaemonLink::expire_queued() {
    std::vector<Delivery> refused;
    {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        while (!queued_.empty() && queued_.front().first <= now) {
            const auto it = pending_.find(queued_.front().second);
            queued_.pop_front();
            if (it == pending_.end()) continue;
            refused.emplace_back(std::move(it->second), Outcome{false, "daemon not connected", {}});
            pending_.erase(it);
        }
    }
    deliver(refused, "daemon_wait");
}

DaemonLink::Clock::time_point DaemonLink::first_queued_deadline() const {
    std::lock_guard lock(mutex_);
    return queued_.empty() ? Clock::time_point::max() : queued_.front().first;
}

}  // namespace warden::plugin

// DaemonLink's queue for the daemon's absence: a request that arrives while the link is
// down is deferred (OpenVPN's thread returns at once) and kept with its encoded frame;
// the next connection sends it right after the Hello. A daemon restart thus delays
// clients by the restart's duration instead of refusing them. A daemon that stays away
// longer than `daemon_wait` gets the request refused: fail closed, logged.
#include <cstdint>

#include "common/protocol.hpp"
#include "plugin/daemon_link.hpp"
#include "plugin/request.hpp"

namespace warden::plugin {

// With state_ held, not connected. Refuses what cannot wait: no control file to write
// the verdict to later, or waiting turned off.
DaemonLink::Result DaemonLink::queue_locked(State& state, wire::Message& request,
                                            const DeferredTarget* target) {
    Result result;
    result.outcome = Outcome{false, "daemon not connected", {}};
    if (target == nullptr || target->control_file.empty() || options_.daemon_wait.count() <= 0) {
        wipe_secrets(request);
        return result;
    }
    auto entry = std::make_shared<Pending>();
    request.id = entry->id = next_id_locked(state);
    entry->common_name = request.get_or(protocol::field::common_name, "");
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
    state.pending.emplace(entry->id, entry);
    state.queued.emplace_back(now + options_.daemon_wait, entry->id);
    result.state = Result::State::Deferred;
    result.queued = true;
    result.id = entry->id;
    wake();  // the I/O thread switches to fast reconnect attempts
    return result;
}

// On a new connection, with all three locks held and the Hello queued: queues every
// waiting frame behind it, in arrival order, and starts each one's verdict deadline.
std::size_t DaemonLink::send_queued_locked(State& state, Writing& writing) {
    std::size_t sent = 0;
    const auto now = Clock::now();
    for (const auto& [deadline, id] : state.queued) {
        const auto it = state.pending.find(id);
        if (it == state.pending.end() || it->second->frame.empty()) continue;
        writing.writeq.push_back(std::move(it->second->frame));
        it->second->frame.clear();
        state.expiry.emplace_back(now + options_.timeout, id);
        ++sent;
    }
    state.queued.clear();
    // Then the deferral reports kept meanwhile: the requests come first, they wait.
    for (auto& report : state.reports) writing.writeq.push_back(std::move(report));
    state.reports.clear();
    return sent;
}

// I/O thread, while disconnected: refuses the requests that waited `daemon_wait` in vain.
void DaemonLink::expire_queued() {
    std::vector<Delivery> refused;
    {
        auto state = state_.lock();
        const auto now = Clock::now();
        while (!state->queued.empty() && state->queued.front().first <= now) {
            const auto it = state->pending.find(state->queued.front().second);
            state->queued.pop_front();
            if (it == state->pending.end()) continue;
            refused.emplace_back(std::move(it->second), Outcome{false, "daemon not connected", {}});
            state->pending.erase(it);
        }
    }
    deliver(refused, "daemon_wait");
}

DaemonLink::Clock::time_point DaemonLink::first_queued_deadline() const {
    const auto state = state_.lock();
    return state->queued.empty() ? Clock::time_point::max() : state->queued.front().first;
}

}  // namespace warden::plugin

// Keeps the kernel's table equal to the store: reads groups, devices and rules, builds
// the Ruleset (pure), and applies either only what changed (elements, new groups) or the
// whole table, each as one transaction. Called on start and after every change; then,
// when the change can deny a flow, the live flows the new table no longer allows are cut
// (conntrack.hpp; wardend does it on a thread of its own, sweeper.hpp), and check() (a
// timer) reloads a table someone removed or altered and retries a refresh that failed.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "daemon/firewall/applier.hpp"
#include "daemon/firewall/conntrack.hpp"
#include "daemon/firewall/ruleset.hpp"

namespace warden::firewall {

FirewallInput load_input(store::Store& store, const net::Network& pool);

// check() compares the forward chain itself on every this many calls.
inline constexpr std::size_t kFullCheckEvery = 15;

struct RefreshResult {
    enum class Mode { Unchanged, Delta, Full } mode = Mode::Unchanged;
    std::string error;  // set when the kernel refused; the previous table stays in force
    bool ok() const { return error.empty(); }
};

// What `wardenctl status` shows of the firewall.
struct Health {
    enum class State { Ok, Repairing, Failing } state = State::Ok;
    std::int64_t last_apply = 0;  // unix seconds of the last successful apply, 0: never
    std::string last_error;       // the latest failure (kept after a recovery)
    std::size_t repairs = 0;      // tables found missing or altered and reloaded
    std::size_t flows_cut = 0;    // live flows deleted because a change denied them
    // Every apply to the kernel (delta or full), failed ones too, and their total time
    // (Prometheus metrics).
    std::uint64_t applies = 0, apply_failures = 0;
    double apply_seconds = 0;
};
const char* state_name(Health::State state);

class Firewall {
  public:
    // `cutter` may be null (no flow cutting); `local` are the host's own addresses in the
    // pool, whose flows are never forwarded and so never cut.
    Firewall(std::string table, net::Network pool, store::Store& store, Applier& applier,
             FlowCutter* cutter = nullptr, std::set<std::uint32_t> local = {})
        : table_(std::move(table)),
          pool_(pool),
          store_(store),
          applier_(applier),
          cutter_(cutter),
          local_(std::move(local)) {}

    // What changed, as far as the caller knows: Rules re-reads only the rules (a rule
    // command); All re-reads groups, devices and rules.
    enum class Scope { All, Rules };
    RefreshResult refresh(Scope scope = Scope::All);
    // The timer's job (every 2 s): a failed refresh is retried; a table that is gone or
    // differs from what was applied (an external `nft flush ruleset`) is reloaded whole.
    // With the applier's generation id, each call reads only that, and compares the forward
    // chain when another commit moved it. Without: each call compares the cheap chain list;
    // the forward chain itself when that changed, and on every kFullCheckEvery-th call
    // (rules flushed inside our chains leave the chain list alone). Returns the refresh it
    // made, or nothing when all is well.
    std::optional<RefreshResult> check();
    // Forgets what was applied: the next refresh replaces the whole table.
    void invalidate() {
        applied_.reset();
        input_.reset();
        fingerprint_.reset();
        chains_.reset();
        generation_.reset();
    }
    // A refresh that threw (the store could not be read): failing until check() succeeds.
    void failed(const std::string& error);
    std::string remove();
    const std::string& table() const { return table_; }
    Health health() const {
        Health h = health_;
        if (cutter_) h.flows_cut += cutter_->cut_total();  // cut in the background
        return h;
    }

  private:
    RefreshResult apply(Ruleset next);
    void cut_denied_flows(const Ruleset& now);

    std::string table_;
    net::Network pool_;
    store::Store& store_;
    Applier& applier_;
    FlowCutter* cutter_;
    std::set<std::uint32_t> local_;
    std::optional<Ruleset> applied_;
    std::optional<FirewallInput> input_;       // what applied_ was built from
    std::optional<std::string> fingerprint_;   // applier_.fingerprint() after applying
    std::optional<std::string> chains_;        // applier_.chain_list() when last verified
    std::optional<std::uint32_t> generation_;  // applier_.generation() when last verified
    std::size_t checks_ = 0;
    Health health_;
};

}  // namespace warden::firewall

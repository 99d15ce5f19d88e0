// Keeps the kernel's table equal to the store: reads groups, devices and rules, builds
// the Ruleset (pure), and applies either only the changed rule elements or the whole
// table, each as one transaction. Called on start and after every change.
#pragma once

#include <optional>
#include <string>

#include "daemon/firewall/applier.hpp"
#include "daemon/firewall/ruleset.hpp"

namespace warden::firewall {

FirewallInput load_input(store::Store& store, const net::Network& pool);

struct RefreshResult {
    enum class Mode { Unchanged, Delta, Full } mode = Mode::Unchanged;
    std::string error;  // set when the kernel refused; the previous table stays in force
    bool ok() const { return error.empty(); }
};

class Firewall {
  public:
    Firewall(std::string table, net::Network pool, store::Store& store, Applier& applier)
        : table_(std::move(table)), pool_(pool), store_(store), applier_(applier) {}

    // What changed, as far as the caller knows: Rules re-reads only the rules (a rule
    // command); All re-reads groups, devices and rules.
    enum class Scope { All, Rules };
    RefreshResult refresh(Scope scope = Scope::All);
    // Forgets what was applied: the next refresh replaces the whole table.
    void invalidate() {
        applied_.reset();
        input_.reset();
    }
    std::string remove();
    const std::string& table() const { return table_; }

  private:
    RefreshResult apply(Ruleset next);

    std::string table_;
    net::Network pool_;
    store::Store& store_;
    Applier& applier_;
    std::optional<Ruleset> applied_;
    std::optional<FirewallInput> input_;  // what applied_ was built from
};

}  // namespace warden::firewall

// nftables script text for a Ruleset (ruleset.hpp). Each function's output is meant to be
// run as ONE libnftables buffer, which the kernel applies as one transaction: the table
// is never seen half built.
#pragma once

#include <optional>
#include <string>

#include "daemon/firewall/ruleset.hpp"

namespace warden::firewall {

// Replaces the whole table: "add table" (so the delete cannot fail on a first start),
// "delete table", then the table with every set, map and chain.
std::string render_full(const Ruleset& rules);

// Only the @allow_<G> elements that changed, deletions first; "" when nothing changed.
// nullopt when the structure differs (members, groups): then render_full is needed.
std::optional<std::string> render_delta(const Ruleset& from, const Ruleset& to);

// Removes the table (used on stop with [firewall] remove_on_stop).
std::string render_remove(const std::string& table);

// Rules in the table as rendered (forward chain + one per group): what the kernel
// evaluates, independent of the number of devices and rules.
std::size_t rule_count(const Ruleset& rules);

}  // namespace warden::firewall

#include "daemon/firewall/firewall.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "common/log.hpp"
#include "daemon/firewall/script.hpp"

namespace warden::firewall {
namespace {

std::string mode_name(RefreshResult::Mode mode) {
    switch (mode) {
        case RefreshResult::Mode::Unchanged:
            return "unchanged";
        case RefreshResult::Mode::Delta:
            return "delta";
        case RefreshResult::Mode::Full:
            return "full";
    }
    return "?";
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

// Whether `to` may deny a flow `from` allowed: an allow element went, or an address came,
// went or changed group (a new participant's flows are judged from now on). Only then
// the live flows need a sweep; a rule that only adds allowances denies nothing.
bool narrows(const Ruleset& from, const Ruleset& to) {
    if (from.members != to.members || !from.same_structure(to)) return true;
    for (const auto& [id, had] : from.allowed) {
        const auto& now = to.allowed.at(id);
        if (!std::includes(now.begin(), now.end(), had.begin(), had.end())) return true;
    }
    return false;
}

}  // namespace

const char* state_name(Health::State state) {
    switch (state) {
        case Health::State::Ok:
            return "ok";
        case Health::State::Repairing:
            return "repairing";
        case Health::State::Failing:
            return "failing";
    }
    return "?";
}

FirewallInput load_input(store::Store& store, const net::Network& pool) {
    FirewallInput in;
    in.pool = pool;
    // No transaction needed: groups, devices and rules change only through admin commands,
    // on the same thread that calls this.
    in.groups = store.list_groups();
    in.devices = store.group_members();
    in.rules = store.list_rules();
    return in;
}

RefreshResult Firewall::refresh(Scope scope) {
    if (scope == Scope::Rules && applied_ && input_) {
        auto rules = store_.list_rules();
        const auto touched = touched_groups(input_->rules, rules, input_->groups);
        input_->rules = std::move(rules);
        Ruleset next = *applied_;
        next.skipped.clear();
        rebuild_allowed(next, *input_, touched);
        return apply(std::move(next));
    }
    input_ = load_input(store_, pool_);
    return apply(build_ruleset(*input_, table_));
}

RefreshResult Firewall::apply(Ruleset next) {
    RefreshResult result;
    if (applied_ && *applied_ == next) return result;
    const auto started = std::chrono::steady_clock::now();
    const auto generation_before = applier_.generation();
    std::optional<std::string> delta;
    if (applied_) delta = applier_.apply_delta(*applied_, next);
    result.mode = delta ? RefreshResult::Mode::Delta : RefreshResult::Mode::Full;
    result.error = delta ? *delta : applier_.apply_full(next);
    const auto took = std::chrono::steady_clock::now() - started;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    ++health_.applies;
    health_.apply_seconds += std::chrono::duration<double>(took).count();
    if (!result.ok()) {
        ++health_.apply_failures;
        // The kernel kept the previous table; start from scratch next time (check() will).
        invalidate();
        if (health_.state != Health::State::Repairing) health_.state = Health::State::Failing;
        health_.last_error = result.error;
        log::error("firewall apply failed",
                   {{"table", table_}, {"mode", mode_name(result.mode)}, {"error", result.error}});
        return result;
    }
    // Only a full apply changes the forward chain; a delta changes set elements.
    if (result.mode == RefreshResult::Mode::Full || !fingerprint_) {
        fingerprint_ = applier_.fingerprint(table_);
        // The chain list is the cheap first look only without a generation id.
        if (!generation_before) chains_ = applier_.chain_list();
    }
    for (const auto& note : next.skipped)
        log::warn("firewall input skipped", {{"table", table_}, {"why", note}});
    log::info("firewall applied", {{"table", table_},
                                   {"mode", mode_name(result.mode)},
                                   {"elements", std::to_string(next.element_count())},
                                   {"rules", std::to_string(rule_count(next))},
                                   {"ms", std::to_string(ms)}});
    // Our commit is one generation; more means someone else committed meanwhile: leave it
    // unknown, so the next check compares the table.
    const auto generation_after = applier_.generation();
    generation_.reset();
    if (generation_before && generation_after && *generation_after == *generation_before + 1)
        generation_ = generation_after;
    const bool narrowed = !applied_ || narrows(*applied_, next);
    applied_ = std::move(next);
    health_.state = Health::State::Ok;
    health_.last_apply = unix_now();
    if (narrowed) cut_denied_flows(*applied_);
    return result;
}

// The table accepts established flows before any lookup, so what the change took away
// must also leave conntrack: each live IPv4 flow is judged as its first packet would be.
void Firewall::cut_denied_flows(const Ruleset& now) {
    if (!cutter_ || !input_) return;
    const auto started = std::chrono::steady_clock::now();
    // The judge is shared with the sweep, which may run on another thread after this returns.
    const auto judge = std::make_shared<const FlowJudge>(now, *input_, local_);
    const auto result = cutter_->cut([judge](const Flow& f) { return judge->allowed(f); });
    health_.flows_cut += result.cut;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", ms_since(started));
    if (!result.ok())
        log::error("firewall flow cut failed", {{"table", table_}, {"error", result.error}});
    if (result.cut > 0 || !result.ok())
        log::info("firewall flows cut", {{"table", table_},
                                         {"seen", std::to_string(result.seen)},
                                         {"cut", std::to_string(result.cut)},
                                         {"ms", ms}});
}

std::optional<RefreshResult> Firewall::check() {
    if (health_.state != Health::State::Ok || !applied_) {
        auto r = refresh();  // nothing applied: a full table
        if (r.ok()) log::info("firewall recovered", {{"table", table_}});
        return r;
    }
    // Nothing committed in any table since our last look: nothing to compare.
    // Read before comparing: a commit during the comparison shows as a change next time.
    const auto generation = applier_.generation();
    if (generation && generation == generation_) return std::nullopt;
    // Without a generation id: the cheap chain list, the forward chain every so often. With
    // one that moved (someone else committed; rare, so the costly look is too): the chain.
    if (!generation && ++checks_ % kFullCheckEvery != 0) {
        const auto chains = applier_.chain_list();
        if (chains && chains == chains_) return std::nullopt;
    }
    const auto found = applier_.fingerprint(table_);
    if (found && found == fingerprint_) {
        chains_ = applier_.chain_list();  // another table's chains changed, not ours
        generation_ = generation;
        return std::nullopt;
    }
    log::warn("firewall table missing or altered, reloading",
              {{"table", table_}, {"found", found ? "altered" : "missing"}});
    invalidate();
    health_.state = Health::State::Repairing;
    ++health_.repairs;
    auto r = refresh();
    if (r.ok()) log::info("firewall repaired", {{"table", table_}});
    return r;
}

void Firewall::failed(const std::string& error) {
    invalidate();
    if (health_.state != Health::State::Repairing) health_.state = Health::State::Failing;
    health_.last_error = error;
}

std::string Firewall::remove() {
    invalidate();
    auto error = applier_.apply(render_remove(table_));
    if (error.empty())
        log::info("firewall removed", {{"table", table_}});
    else
        log::error("firewall remove failed", {{"table", table_}, {"error", error}});
    return error;
}

}  // namespace warden::firewall

#include "daemon/firewall/firewall.hpp"

#include <chrono>

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

}  // namespace

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
    std::optional<std::string> script;
    if (applied_) script = render_delta(*applied_, next);
    result.mode = script ? RefreshResult::Mode::Delta : RefreshResult::Mode::Full;
    if (!script) script = render_full(next);
    if (!script->empty()) result.error = applier_.apply(*script);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if (!result.ok()) {
        // The kernel kept the previous table; start from scratch next time.
        invalidate();
        log::error("firewall apply failed",
                   {{"table", table_}, {"mode", mode_name(result.mode)}, {"error", result.error}});
        return result;
    }
    for (const auto& note : next.skipped)
        log::warn("firewall input skipped", {{"table", table_}, {"why", note}});
    log::info("firewall applied", {{"table", table_},
                                   {"mode", mode_name(result.mode)},
                                   {"elements", std::to_string(next.element_count())},
                                   {"rules", std::to_string(rule_count(next))},
                                   {"ms", std::to_string(ms)}});
    applied_ = std::move(next);
    return result;
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

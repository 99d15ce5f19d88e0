// The Applier's text defaults: what a fake applier in a test sees.
#include "daemon/firewall/applier.hpp"

#include "daemon/firewall/script.hpp"

namespace warden::firewall {

std::string Applier::apply_full(const Ruleset& rules) {
    return apply(render_full(rules));
}

std::optional<std::string> Applier::apply_delta(const Ruleset& from, const Ruleset& to) {
    auto script = render_delta(from, to);
    if (!script) return std::nullopt;
    if (script->empty()) return std::string();
    return apply(*script);
}

}  // namespace warden::firewall

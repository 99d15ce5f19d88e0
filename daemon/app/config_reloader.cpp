#include "daemon/app/config_reloader.hpp"

#include "common/log.hpp"
#include "daemon/core/config_reload.hpp"

namespace warden::app {
namespace {

std::string joined(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ",") + k;
    return out.empty() ? "none" : out;
}

}  // namespace

std::string ConfigReloader::reload() {
    if (path_.empty()) return "no configuration file to re-read";
    auto loaded = core::load_config(path_);
    if (!loaded.config) {
        log::error("config reload failed, keeping the running configuration",
                   {{"file", path_}, {"error", loaded.error}});
        return loaded.error;
    }
    const core::ReloadPlan plan = core::apply_reload(live_, *loaded.config);
    log::set_min_level(core::log_level_of(live_.log_level));
    log::info("config reloaded", {{"file", path_}, {"applied", joined(plan.applied)}});
    if (!plan.need_restart.empty())
        log::warn("config change needs a restart", {{"keys", joined(plan.need_restart)}});
    return {};
}

}  // namespace warden::app

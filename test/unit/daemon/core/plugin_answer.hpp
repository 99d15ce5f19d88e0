// Drives a PluginRequests the way the plugin socket does: a wire message through the
// edge's decoder (daemon/server/plugin_decode) and the reply back as a wire message.
#pragma once

#include "daemon/server/plugin_decode.hpp"

namespace warden::testing {

inline std::optional<wire::Message> handle(core::PluginRequests& requests, wire::Message msg,
                                           const std::string& instance) {
    return server::answer(requests, msg, instance);
}

}  // namespace warden::testing

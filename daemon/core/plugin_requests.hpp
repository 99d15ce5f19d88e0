#pragma once

#include <optional>
#include <string>

#include "common/wire.hpp"

namespace warden::core {

// What the plugin socket asks of the daemon; implemented without any transport.
class PluginRequests {
  public:
    virtual ~PluginRequests() = default;
    // Reply for a request (Verdict, Error, Pong), or nullopt for notifications.
    virtual std::optional<wire::Message> handle(const wire::Message& msg,
                                                const std::string& instance) = 0;
    // Called soon after replies were handed to the socket: work a verdict need not wait
    // for (the logins' writes) is done here.
    virtual void after_replies() {}
};

}  // namespace warden::core

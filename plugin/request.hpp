// OpenVPN's envp -> wire messages, and wiping secrets out of buffers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/wire.hpp"

namespace warden::plugin {

// Value of NAME in a NULL-terminated "name=value" array, nullopt when absent.
std::optional<std::string_view> env_get(const char* const* envp, std::string_view name);

// An Auth / Connect / Disconnect message (id filled in later by the link) with `instance`
// plus every env var of protocol::kForwardedEnv that is set.
wire::Message build_message(wire::Type type, std::string_view instance, const char* const* envp);

// Overwrites the bytes (the compiler may not drop it) and empties the string.
void wipe(std::string& s);
// Wipes the values of secret fields (the password) inside a message.
void wipe_secrets(wire::Message& msg);

// Encodes `msg` into a buffer sized up front, so no reallocation leaves a copy of the
// password in freed memory. Returns false when the message is too large for a frame.
bool encode_frame(const wire::Message& msg, std::string& frame);

}  // namespace warden::plugin

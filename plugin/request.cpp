#include "plugin/request.hpp"

#include <string.h>

#include "common/protocol.hpp"

namespace warden::plugin {

std::optional<std::string_view> env_get(const char* const* envp, std::string_view name) {
    if (envp == nullptr) return std::nullopt;
    for (std::size_t i = 0; envp[i] != nullptr; ++i) {
        const std::string_view entry(envp[i]);
        if (entry.size() > name.size() && entry[name.size()] == '=' &&
            entry.substr(0, name.size()) == name) {
            return entry.substr(name.size() + 1);
        }
    }
    return std::nullopt;
}

wire::Message build_message(wire::Type type, std::string_view instance, const char* const* envp) {
    wire::Message msg(type, 0);
    msg.fields.reserve(protocol::kForwardedEnv.size() + 1);
    msg.set(std::string(protocol::field::instance), std::string(instance));
    for (const auto& field : protocol::kForwardedEnv) {
        if (auto value = env_get(envp, field.name))
            msg.set(std::string(field.name), std::string(*value));
    }
    return msg;
}

void wipe(std::string& s) {
    if (!s.empty()) ::explicit_bzero(s.data(), s.size());
    s.clear();
}

void wipe_secrets(wire::Message& msg) {
    for (auto& [key, value] : msg.fields) {
        if (protocol::is_secret(key)) wipe(value);
    }
}

bool encode_frame(const wire::Message& msg, std::string& frame) {
    std::size_t size = wire::kHeaderSize + wire::kMinPayload;
    for (const auto& [key, value] : msg.fields) size += 1 + key.size() + 4 + value.size();
    frame.clear();
    frame.reserve(size);
    return wire::encode(msg, frame);
}

}  // namespace warden::plugin

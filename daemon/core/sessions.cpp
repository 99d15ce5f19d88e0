#include "daemon/core/sessions.hpp"

namespace warden::core {

void SessionTable::connected(LiveSession session) {
    auto key = std::make_pair(session.instance, session.real_address);
    sessions_[std::move(key)] = std::move(session);
}

std::optional<LiveSession> SessionTable::disconnected(const std::string& instance,
                                                      const std::string& real_address) {
    auto it = sessions_.find({instance, real_address});
    if (it == sessions_.end()) return std::nullopt;
    LiveSession s = std::move(it->second);
    sessions_.erase(it);
    return s;
}

std::vector<LiveSession> SessionTable::matching(
    const std::function<bool(const LiveSession&)>& predicate) const {
    std::vector<LiveSession> out;
    for (const auto& [key, s] : sessions_) {
        if (predicate(s)) out.push_back(s);
    }
    return out;
}

std::optional<LiveSession> SessionTable::find(const std::string& instance,
                                              const std::string& real_address) const {
    auto it = sessions_.find({instance, real_address});
    if (it == sessions_.end()) return std::nullopt;
    return it->second;
}

bool SessionTable::device_online(std::int64_t device_id) const {
    for (const auto& [key, s] : sessions_) {
        if (s.device_id == device_id) return true;
    }
    return false;
}

void SessionTable::clear_instance(const std::string& instance) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        it = it->first.first == instance ? sessions_.erase(it) : std::next(it);
    }
}

}  // namespace warden::core

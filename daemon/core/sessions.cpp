#include "daemon/core/sessions.hpp"

#include "common/endpoint.hpp"

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

bool is_reported_as(const LiveSession& session, const std::string& reported_address,
                    const std::string& virtual_address) {
    if (reported_address == session.real_address) return true;
    if (!endpoint::matches(reported_address, session.real_address)) return false;
    return virtual_address.empty() || session.vpn_ip.empty() || virtual_address == session.vpn_ip;
}

std::optional<LiveSession> SessionTable::find_reported(const std::string& instance,
                                                       const std::string& reported_address,
                                                       const std::string& virtual_address) const {
    if (auto exact = find(instance, reported_address)) return exact;
    for (auto it = sessions_.lower_bound({instance, reported_address});
         it != sessions_.end() && it->first.first == instance; ++it) {
        if (it->first.second.compare(0, reported_address.size(), reported_address) != 0) break;
        if (is_reported_as(it->second, reported_address, virtual_address)) return it->second;
    }
    return std::nullopt;
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

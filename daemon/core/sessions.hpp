// Live sessions as the plugin reported them (connect/disconnect), keyed by instance and
// the client's real address. The management interface is the authority on what is
// really connected; this table adds what only the plugin knows (certificate serial,
// device) so a revocation can find its session.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace warden::core {

struct LiveSession {
    std::string instance;
    std::string real_address;  // "ip:port" or "[ip6]:port" (common/endpoint.hpp)
    std::string serial;        // normalized certificate serial
    std::string common_name;
    std::optional<std::int64_t> device_id;
    std::string device_name;
    std::string vpn_ip;
    std::int64_t since = 0;
};

// Whether the management interface's row (address in endpoint::reported() form, VPN
// address) is this session.
bool is_reported_as(const LiveSession& session, const std::string& reported_address,
                    const std::string& virtual_address);

class SessionTable {
  public:
    void connected(LiveSession session);
    std::optional<LiveSession> disconnected(const std::string& instance,
                                            const std::string& real_address);
    std::vector<LiveSession> matching(
        const std::function<bool(const LiveSession&)>& predicate) const;
    std::optional<LiveSession> find(const std::string& instance,
                                    const std::string& real_address) const;
    // The session the management interface lists at `reported_address` (which lacks the
    // port for IPv6 clients: then the VPN address tells clients at one address apart).
    std::optional<LiveSession> find_reported(const std::string& instance,
                                             const std::string& reported_address,
                                             const std::string& virtual_address) const;
    bool device_online(std::int64_t device_id) const;
    std::size_t size() const { return sessions_.size(); }
    void clear_instance(const std::string& instance);

  private:
    std::map<std::pair<std::string, std::string>, LiveSession> sessions_;
};

}  // namespace warden::core

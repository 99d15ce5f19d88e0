// Answers the plugin: Auth and Connect get a verdict from decide(), Disconnect updates
// the session table and the connection log. Connection-log rows are buffered and
// written by flush() in one transaction, so a storm of connects does not pay one
// fsync each on the event loop.
#pragma once

#include <functional>
#include <vector>

#include "daemon/core/decision.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/core/sessions.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

class AuthService final : public PluginRequests {
  public:
    using Clock = std::function<std::int64_t()>;

    AuthService(store::Store& store, SessionTable& sessions, VpnPool pool, Clock now);

    std::optional<wire::Message> handle(const wire::Message& msg,
                                        const std::string& instance) override;

    // Writes buffered connection-log rows and device state changes; returns how many.
    std::size_t flush();
    std::size_t pending() const { return pending_log_.size() + pending_state_.size(); }

  private:
    wire::Message verdict_reply(const wire::Message& msg, const std::string& instance,
                                bool connect);
    void on_disconnect(const wire::Message& msg, const std::string& instance);
    void record(store::ConnectionEntry entry);
    void set_state(std::int64_t device_id, const char* state);

    store::Store& store_;
    SessionTable& sessions_;
    VpnPool pool_;
    Clock now_;
    std::vector<store::ConnectionEntry> pending_log_;
    std::vector<std::pair<std::int64_t, std::string>> pending_state_;
};

// "ip:port" of the client as OpenVPN's status shows it.
std::string real_address_of(const wire::Message& msg);

}  // namespace warden::core

// Answers the plugin: Auth and Connect get a verdict from decide(), Disconnect updates
// the session table and the connection log. Connection-log rows and device state
// changes are collected into batches that the daemon writes elsewhere (write_batch on
// its own connection and thread), so a verdict never waits for the disk.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/decision.hpp"
#include "daemon/core/login_service.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/core/sessions.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

class AuthService final : public PluginRequests {
  public:
    AuthService(store::Store& store, SessionTable& sessions, VpnPool pool, const Clock& clock,
                LoginPolicy login = {});

    std::optional<wire::Message> handle(const wire::Message& msg,
                                        const std::string& instance) override;
    // Login writes wait for after_replies() (LoginService::write_after_reply); the daemon's
    // mode. `started_at` arms the TOTP replay guard's crash rule.
    void write_logins_after_reply(std::int64_t started_at) { login_.write_after_reply(started_at); }
    void after_replies() override { login_.persist(); }

    struct Batch {
        std::vector<store::ConnectionEntry> log;
        std::vector<std::pair<std::int64_t, store::DeviceState>> states;  // device id, state
        std::int64_t at = 0;
        bool empty() const { return log.empty() && states.empty(); }
    };

    // What was collected since the last call.
    Batch take_batch();
    // Writes a batch in one transaction.
    static void write_batch(store::Store& store, const Batch& batch);

  private:
    wire::Message verdict_reply(const wire::Message& msg, const std::string& instance,
                                bool connect);
    std::string client_config_for(const store::Device& device, std::string base);
    // Why a Verdict carrying `config` cannot be sent (over the frame limit), if it cannot.
    std::optional<std::string> oversized_reply(std::uint32_t id, const std::string& config);
    void on_disconnect(const wire::Message& msg, const std::string& instance);
    std::optional<store::Device> device_of(const wire::Message& msg);  // by certificate serial
    void record(store::ConnectionEntry entry);
    void set_state(std::int64_t device_id, store::DeviceState state);
    void remember_refused(const std::string& instance, const std::string& address,
                          std::int64_t now);

    static constexpr std::size_t kMaxRememberedRefusals = 10000;
    static constexpr std::int64_t kRefusalMemorySeconds = 300;

    store::Store& store_;
    SessionTable& sessions_;
    VpnPool pool_;
    const Clock& clock_;
    LoginService login_;  // credentials of devices that need them (TOTP, password, codes)
    std::size_t max_reply_ = wire::kDefaultMaxFrame;  // the plugin socket's frame limit
    Batch pending_;
    std::map<std::pair<std::string, std::string>, std::int64_t> refused_connects_;  // -> when
};

// The client's real address in common/endpoint.hpp's form: "ip:port", "[ip6]:port".
std::string real_address_of(const wire::Message& msg);

}  // namespace warden::core

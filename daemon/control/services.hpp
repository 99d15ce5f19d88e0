// What command handlers may use. The daemon wires real implementations; tests wire
// fakes where a real one needs OpenVPN.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/control/authority.hpp"
#include "daemon/control/registry.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/verdict_stats.hpp"
#include "daemon/store/store.hpp"
#include "daemon/tr/tr_service.hpp"

namespace warden::control {

struct SessionView {
    std::string node;  // "" for this node's own (wardend names it in `session list`)
    std::string instance, device, common_name, real_address, vpn_ip;
    std::optional<std::int64_t> device_id;  // when the plugin reported the session
    std::uint64_t bytes_received = 0, bytes_sent = 0;
    std::int64_t since = 0;
};

struct InstanceView {
    std::string name;
    bool management_connected = false;
    std::size_t sessions = 0;
};

// Live sessions across OpenVPN instances, and ending them through the management interface.
class SessionControl {
  public:
    virtual ~SessionControl() = default;
    virtual std::vector<SessionView> list() = 0;
    virtual std::vector<InstanceView> instances() = 0;
    // Ends every live session using the certificate / of the device; returns how many.
    virtual std::size_t end_sessions_of_serial(const std::string& serial,
                                               const std::string& why) = 0;
    virtual std::size_t end_sessions_of_device(std::int64_t device_id, const std::string& why) = 0;
    // The instance's latest log lines (oldest first), as its management interface sent them.
    virtual std::vector<std::string> recent_log(const std::string& /*instance*/) { return {}; }
    // Asks the instance to restart (SIGHUP); returns why it could not, empty when sent.
    virtual std::string restart(const std::string& /*instance*/) { return "not supported"; }
};

// The CRL keeper's view of pki/crl.pem (app/crl_watch), for `status`.
struct CrlStatus {
    std::optional<std::int64_t> next_update;  // of the file as last read; nullopt: unknown
    std::string alarm;                        // why the last re-sign failed; empty: healthy
};

// The firewall's health for `status` (daemon/firewall/firewall.hpp Health).
struct FirewallHealthView {
    std::string state;            // ok | repairing | failing
    std::int64_t last_apply = 0;  // unix seconds, 0: never
    std::string last_error;
    std::size_t repairs = 0, flows_cut = 0;
};

// The mail queue as commands see it (app wires mail/mail_queue); absent: [mail] disabled.
struct MailOutbox {
    // Stores a message (one insert) and wakes the worker: its id, or nullopt with `error`.
    std::function<std::optional<std::int64_t>(const std::string& kind, const std::string& to,
                                              const std::string& subject, const std::string& body,
                                              std::string& error)>
        enqueue;
    std::function<void()> wake;  // the queue changed (`mail retry`)
};

struct Services {
    const core::Config& config;
    store::Store& store;
    const Authority& authority;
    SessionControl& sessions;
    // The daemon's one clock; only `testing.clock` moves it (and only with clock_control).
    core::Clock& clock;
    // This node's name ([store] node, or the host name): `session list` shows it.
    std::string node = {};
    std::function<std::size_t()> plugin_connections = [] { return std::size_t{0}; };
    // Licenses or seats changed: the daemon re-arms its license expiry timer.
    std::function<void()> licenses_changed = [] {};
    std::function<CrlStatus()> crl_status = [] { return CrlStatus{}; };
    // Empty when the firewall is disabled.
    std::function<std::optional<FirewallHealthView>()> firewall_health = [] {
        return std::optional<FirewallHealthView>();
    };
    // Verdict times and the plugins' deferral reports (server/plugin_server), for `status`.
    std::function<core::VerdictStats()> verdict_stats = [] { return core::VerdictStats{}; };

    std::optional<MailOutbox> mail = std::nullopt;
    // Time-restricted access (daemon/tr): tokens, their mail and confirms. Null: the
    // `tr` commands that need it answer an error. tr_changed: settings or a release
    // changed; the daemon re-arms its release-end timer (app/release_watch).
    tr::TrService* tr = nullptr;
    std::function<void()> tr_changed = [] {};

    std::int64_t now() const { return clock.now(); }

    // Records an admin action in the activity log under the caller's OS user.
    void audit(const Caller& caller, const std::string& action, const std::string& object,
               const std::string& details = {}) const;
};

// One registration function per command family (commands_*.cpp).
void register_status_commands(Registry& registry, Services& services);
void register_device_commands(Registry& registry, Services& services);
void register_cert_commands(Registry& registry, Services& services);
void register_session_commands(Registry& registry, Services& services);
void register_license_commands(Registry& registry, Services& services);
void register_log_commands(Registry& registry, Services& services);
void register_vpn_commands(Registry& registry, Services& services);
void register_testing_commands(Registry& registry, Services& services);
void register_group_commands(Registry& registry, Services& services);
void register_pki_commands(Registry& registry, Services& services);
void register_mail_commands(Registry& registry, Services& services);
void register_tr_commands(Registry& registry, Services& services);
void register_all_commands(Registry& registry, Services& services);

// Helpers shared by the command families.
json::object device_to_json(const store::Device& device);
Reply from_outcome(const store::Outcome& outcome);
std::string iso_time(std::int64_t unix_seconds);  // UTC, "2026-11-22T14:00:00Z"
// status: CRL nextUpdate and health, server and CA certificate expiry (commands_pki.cpp).
void add_pki_status(json::object& status, Services& services);

}  // namespace warden::control

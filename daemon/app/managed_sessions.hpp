// SessionControl over the OpenVPN management interfaces: one mgmt::Client per
// instance gives the authoritative list of live sessions; the plugin's SessionTable
// says which certificate and device each one uses. Sessions are ended by real address
// (what the plugin reported) and, for sessions the daemon did not see connect (it was
// restarted meanwhile), by client id matched on the certificate's common name.
//
// The view (list) shows established sessions only (OpenVPN gave them a VPN address:
// their client-connect was allowed), and drops a session the moment it is ordered
// killed: OpenVPN keeps a killed client listed until it reconnects or its instance
// times out, which would show an ended session for seconds.
#pragma once

#include <boost/asio.hpp>

#include <deque>
#include <map>
#include <memory>
#include <set>

#include "daemon/control/services.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/decision.hpp"
#include "daemon/core/sessions.hpp"
#include "daemon/mgmt/client.hpp"
#include "daemon/mgmt/parser.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

class ManagedSessions final : public control::SessionControl {
  public:
    ManagedSessions(boost::asio::io_context& io, const core::Config& config,
                    core::SessionTable& table, store::Store& store, const core::Clock& clock);
    void start();
    void stop();

    std::vector<control::SessionView> list() override;
    std::vector<control::InstanceView> instances() override;
    std::size_t end_sessions_of_serial(const std::string& serial, const std::string& why) override;
    std::size_t end_sessions_of_device(std::int64_t device_id, const std::string& why) override;
    std::vector<std::string> recent_log(const std::string& instance) override;
    std::string restart(const std::string& instance) override;
    // Checks every session against the store again and ends those no longer allowed
    // (another node changed what they depend on).
    void recheck();
    // Ends a client the plugin admitted whose verdict no longer allows it.
    void end_client(const core::LiveSession& client, const std::string& why);
    // Called with the first session list of an instance whose management interface came
    // up (at `came_up_at`): list() then has what that OpenVPN really serves (the
    // availability watch rebuilds its state from it).
    void on_listed(std::function<void(std::int64_t came_up_at)> listener) {
        on_listed_ = std::move(listener);
    }

    static constexpr std::size_t kLogLines = 50;  // kept per instance for `vpn status`

  private:
    static constexpr auto kKillGrace = std::chrono::milliseconds(250);
    void kill_by_address(mgmt::Client& client, const core::LiveSession& session);
    void kill_by_id(mgmt::Client& client, std::uint64_t cid);
    void forget_ended(const std::string& instance, const std::vector<mgmt::Session>& live);
    void reconcile(const std::string& instance);
    void follow_log(const std::string& instance);
    void remember_log(const std::string& instance, std::string_view line);
    std::size_t end_matching(const std::function<bool(const core::LiveSession&)>& known,
                             const std::vector<std::string>& common_names, const std::string& why);

    boost::asio::io_context& io_;
    core::VpnPool pool_;
    std::set<std::string> reconcile_pending_;  // instances whose management just came up
    core::SessionTable& table_;
    store::Store& store_;
    const core::Clock& clock_;
    std::map<std::string, std::unique_ptr<mgmt::Client>> clients_;  // by instance name
    std::map<std::string, std::deque<std::string>> logs_;           // latest lines, by instance
    // Sessions ordered killed, by (instance, client id): hidden from list() until OpenVPN
    // stops listing them (or shown again if the kill failed).
    std::set<std::pair<std::string, std::uint64_t>> ending_;
    std::map<std::string, std::int64_t> came_up_;  // by instance: when management came up
    std::function<void(std::int64_t)> on_listed_;
};

}  // namespace warden::app

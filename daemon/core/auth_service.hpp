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
#include "daemon/core/enrollment.hpp"
#include "daemon/core/login_service.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/core/sessions.hpp"
#include "daemon/core/verdict_index.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

class AuthService final : public PluginRequests {
  public:
    AuthService(store::Store& store, SessionTable& sessions, VpnPool pool, const Clock& clock,
                LoginPolicy login = {});

    VerdictReply auth(const AuthRequest& request) override;
    VerdictReply connect(const ConnectRequest& request) override;
    void disconnect(const DisconnectRequest& request) override;
    VerdictReply prefetch(const ConnectRequest& request) override;

    // Called when a client the plugin admitted on a prefetched verdict no longer has an
    // allow (a change raced the plugin's check): the session must end now.
    using EndAdmitted = std::function<void(const LiveSession& client, const std::string& why)>;
    void on_withdrawn_admission(EndAdmitted end) { end_admitted_ = std::move(end); }
    // Called at every device state change (Online at a connect, Offline when its last
    // session ends), before the batch with it is written: the availability alerts.
    using StateChanged =
        std::function<void(std::int64_t device_id, store::DeviceState state, std::int64_t at)>;
    void on_state_change(StateChanged listener) { state_changed_ = std::move(listener); }

    // Called when a time-restricted device is refused for want of a release (not for a
    // prefetch): its attempt mails a token. Runs on the verdict path, so it must only
    // hand the work on (the daemon posts it to run after the reply).
    using NotReleased = std::function<void(std::int64_t device_id)>;
    void on_not_released(NotReleased notice) { not_released_ = std::move(notice); }

    // Enrollment candidates (core/enrollment.hpp): what was seen of a refused certificate
    // of a listed CA, to record. Runs on the verdict path, so it must only hand the work
    // on. Not for a prefetch.
    using Sighted = std::function<void(Sighting what, const model::CertSighting& cert)>;
    void on_sighting(Sighted listener) { sighted_ = std::move(listener); }
    void set_enroll_policy(EnrollPolicy policy) { enroll_ = policy; }

    // Reads `parts` of the verdict index from the store again: called after every
    // committed change of what verdicts depend on, before the change is reported done.
    // Until the first call the index is built at the first verdict.
    void refresh(unsigned parts = VerdictIndex::kAll);
    const VerdictIndex& index() const { return index_; }
    const LoginCounts& login_counts() const { return login_.counts(); }
    // Login writes wait for after_replies() (LoginService::write_after_reply); the daemon's
    // mode. `started_at` arms the TOTP replay guard's crash rule.
    // `shared_store`: several nodes on one database (LoginService::write_after_reply).
    void write_logins_after_reply(std::int64_t started_at, bool shared_store = false) {
        login_.write_after_reply(started_at, shared_store);
    }
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
    // What the certificate alone says (core::admit: decide() or an enrollment case).
    Admission verdict_of(const ClientRequest& request, std::int64_t now, bool connect);
    Admission admission_of(const ClientRequest& request, std::int64_t now, bool connect);
    // Logs, records and answers the verdict after the login checks; `quiet`: neither
    // (a rejected certificate).
    VerdictReply reply_for(const ClientRequest& request, Verdict v, std::int64_t now, bool connect,
                           bool quiet = false);
    std::string client_config_for(const store::Device& device, std::string base);
    // Why a Verdict carrying `config` cannot be sent (over the frame limit), if it cannot.
    std::optional<std::string> oversized_reply(const std::string& config) const;
    std::optional<store::Device> device_of(const std::string& serial);
    void withdraw_admission(const ConnectRequest& request, const std::string& why);
    VerdictReply connect_ahead(const ClientRequest& request, std::int64_t now,
                               bool credentials_checked);
    void record(store::ConnectionEntry entry);
    void set_state(std::int64_t device_id, store::DeviceState state);
    void remember_refused(const std::string& instance, const std::string& address,
                          std::int64_t now);

    static constexpr std::size_t kMaxRememberedRefusals = 10000;
    static constexpr std::int64_t kRefusalMemorySeconds = 300;

    const VerdictIndex& current_index();

    store::Store& store_;
    VerdictIndex index_;
    bool index_loaded_ = false;
    SessionTable& sessions_;
    VpnPool pool_;
    const Clock& clock_;
    LoginService login_;  // credentials of devices that need them (TOTP, password, codes)
    std::size_t max_reply_ = kMaxVerdictPayload;  // the plugin socket's frame limit
    Batch pending_;
    std::map<std::pair<std::string, std::string>, std::int64_t> refused_connects_;  // -> when
    EndAdmitted end_admitted_;
    StateChanged state_changed_;
    NotReleased not_released_;
    Sighted sighted_;
    EnrollPolicy enroll_;
};

}  // namespace warden::core

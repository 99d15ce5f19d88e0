// PostgreSQL implementation of Store (issue 14): the same contract as SqliteStore
// (test/unit/daemon/store/ runs against both), the same SQL where the dialects agree and
// the same outcomes (Duplicate on unique violations, NotFound, Invalid texts).
//
// The class is declared here because its methods live in several files: pg_store.cpp
// (open, migrations, transactions, logs), pg_store_devices.cpp (devices, certificates),
// pg_store_groups.cpp (groups, rules) and one file per remaining family, each forwarding
// to free functions `warden::store::pg_<family>::f(pg::Connection&, ...)`.
// One connection, used by one thread at a time (like SqliteStore's handle).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/store/committed_activity.hpp"
#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store {

class PgStore final : public Store {
  public:
    explicit PgStore(pg::Connection conn) : conn_(std::move(conn)) {}

    void transaction(const std::function<void()>& fn) override;
    void transaction_without_fsync(const std::function<void()>& fn) override;

    // Devices (pg_store_devices.cpp).
    Outcome add_device(Device& device) override;
    std::optional<Device> find_device(std::string_view name) override;
    std::optional<Device> find_device(std::int64_t id) override;
    std::vector<Device> list_devices() override;
    std::size_t device_count() override;
    std::vector<std::pair<DeviceState, std::uint64_t>> device_state_counts() override;
    Outcome update_device(const Device& device) override;
    void set_device_state(std::int64_t id, DeviceState state, std::int64_t since) override;
    Outcome delete_device(std::string_view name, std::int64_t now) override;
    std::optional<std::uint32_t> free_vpn_ip(std::uint32_t first, std::uint32_t last) override;
    bool group_exists(std::string_view name) override;
    std::vector<RoutedNetworkRow> routed_networks() override;
    Outcome set_key_password(std::int64_t device_id, std::string_view password) override;
    std::string key_password(std::int64_t device_id) override;
    Outcome set_device_active(std::int64_t id, bool active, std::int64_t since) override;
    std::vector<CertExpiry> certificate_expiry() override;

    // Certificates (pg_store_devices.cpp).
    Outcome add_certificate(const Certificate& cert) override;
    std::vector<Certificate> certificates_of(std::int64_t device_id) override;
    std::optional<CertBinding> find_by_serial(std::string_view serial) override;
    std::vector<Certificate> certificate_summaries() override;
    bool common_name_in_use(std::string_view common_name, std::int64_t now) override;
    Outcome revoke_certificate(std::string_view serial, std::int64_t now) override;
    std::vector<RevokedSerial> revoked_serials() override;

    // Groups and rules (pg_store_groups.cpp).
    Outcome add_group(Group& group) override;
    std::vector<Group> list_groups() override;
    Outcome delete_group(std::string_view name) override;
    Outcome add_rule(Rule& rule) override;
    std::vector<Rule> list_rules() override;
    std::vector<Rule> rules_of_group(std::string_view group) override;
    std::vector<GroupMember> group_members() override;
    Outcome delete_rule(std::int64_t id) override;

    // Logs (pg_store.cpp).
    void log_activity(const ActivityEntry& entry) override;
    void on_committed_activity(ActivityListener listener) override;
    std::vector<ActivityEntry> activity(std::int64_t since, std::size_t limit) override;
    void log_connection(const ConnectionEntry& entry) override;
    std::vector<ConnectionEntry> connections(std::optional<std::int64_t> device_id,
                                             std::size_t limit) override;

    // Two-factor authentication (pg_<family> free functions; stubs until implemented).
    LoginRequirements login_requirements(std::int64_t device_id) override;
    std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements() override;
    std::optional<Totp> find_totp(std::int64_t device_id) override;
    void put_totp(const Totp& totp) override;
    bool delete_totp(std::int64_t device_id) override;
    bool advance_totp_step(std::int64_t device_id, std::int64_t step) override;
    LoginState login_state(std::int64_t device_id) override;
    void set_password_hash(std::int64_t device_id, std::string_view hash) override;
    void set_login_failures(std::int64_t device_id, int failures, std::int64_t locked_until,
                            int lock_level) override;
    std::optional<bool> group_requires_totp(std::string_view group) override;
    Outcome set_group_requires_totp(std::string_view group, bool required) override;
    void add_one_time_code(OneTimeCode& code) override;
    std::vector<OneTimeCode> one_time_codes(std::optional<std::int64_t> device_id) override;
    bool use_one_time_code(std::int64_t id, std::int64_t now) override;
    Outcome delete_one_time_code(std::int64_t id) override;
    void add_token_session(std::string_view session_id, std::int64_t device_id, std::int64_t now,
                           std::int64_t expire_before) override;
    std::optional<std::int64_t> token_session_device(std::string_view session_id) override;
    void drop_token_sessions(std::int64_t device_id) override;

    // Time-restricted access.
    Outcome put_tr_settings(const TrSettings& settings) override;
    bool delete_tr_settings(std::int64_t device_id) override;
    std::optional<TrSettings> tr_settings(std::int64_t device_id) override;
    std::vector<TrSettings> all_tr_settings() override;
    void set_tr_release(std::int64_t device_id, std::int64_t until) override;
    void note_tr_release_end(std::int64_t device_id) override;
    void set_tr_token_sent(std::int64_t device_id, std::int64_t at) override;
    void add_tr_token(TrToken& token) override;
    std::optional<TrToken> find_tr_token(std::string_view token_hash) override;
    bool use_tr_token(std::int64_t id, std::int64_t now) override;
    std::vector<TrToken> tr_tokens(std::int64_t device_id) override;

    // Licenses.
    Outcome add_license(License& license) override;
    std::optional<License> find_license(std::string_view name) override;
    std::vector<License> list_licenses() override;
    Outcome set_license_seats(std::string_view name, std::int64_t seats) override;
    Outcome assign_license(std::int64_t device_id, std::string_view license,
                           std::int64_t now) override;
    Outcome unassign_license(std::int64_t device_id, std::int64_t now) override;
    DeviceSeat seat_of(std::int64_t device_id) override;
    std::vector<DeviceSeat> device_seats() override;
    std::vector<std::int64_t> devices_with_license(std::int64_t license_id) override;
    void note_license_expiry(std::int64_t license_id, std::int64_t now) override;

    // Usage: traffic and activity by object.
    void add_traffic(const Traffic& traffic) override;
    std::vector<Traffic> traffic_of(std::int64_t device_id) override;
    std::vector<std::array<Traffic, 3>> traffic_summary(int month, int previous) override;
    std::vector<ActivityEntry> activity_for(std::string_view object, std::int64_t since,
                                            std::size_t limit) override;
    // No file copy of a server database: Invalid, naming pg_dump (pg_store.cpp).
    Outcome backup(const std::string& path) override;

    // Mail queue.
    void enqueue_mail(QueuedMail& mail) override;
    std::vector<QueuedMail> due_mail(std::int64_t now, std::size_t limit) override;
    std::optional<std::int64_t> next_mail_attempt() override;
    void mark_mail_sent(std::int64_t id, std::int64_t now) override;
    void mark_mail_retry(std::int64_t id, std::int64_t next_attempt_at,
                         std::string_view error) override;
    void mark_mail_failed(std::int64_t id, std::string_view error) override;
    std::vector<QueuedMail> list_mail(std::optional<MailState> state) override;
    std::size_t retry_failed_mail(std::optional<std::int64_t> id, std::int64_t now) override;

    // Availability alerts.
    std::vector<OfflineAlert> offline_alerts() override;
    void put_offline_alert(const OfflineAlert& alert) override;
    bool clear_offline_alert(std::int64_t device_id) override;

    // Enrollment.
    Outcome add_enroll_ca(const EnrollCa& ca) override;
    std::vector<EnrollCa> enroll_cas() override;
    Outcome delete_enroll_ca(std::string_view name) override;
    bool note_pending(const CertSighting& cert, PendingState state, std::int64_t now,
                      std::size_t max_pending) override;
    std::vector<PendingCert> pending_certs() override;
    std::optional<PendingCert> find_pending(std::string_view fingerprint) override;
    bool delete_pending(std::string_view fingerprint) override;
    Outcome reject_cert(const RejectedCert& rejected) override;
    std::vector<RejectedCert> rejected_certs() override;
    void note_rejected_attempt(std::string_view fingerprint, std::int64_t now) override;
    std::size_t clear_rejected(std::optional<std::string_view> fingerprint) override;
    std::size_t unbind_enrolled(std::int64_t device_id) override;

    int schema_version() override;
    std::string integrity_check() override;

  private:
    pg::Connection conn_;
    bool in_transaction_ = false;
    CommittedActivity activity_;
};

}  // namespace warden::store

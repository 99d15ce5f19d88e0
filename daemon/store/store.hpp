// The daemon's persistent state behind one interface. SqliteStore is the implementation
// (library warden_store); this header is part of warden_model and needs no SQLite.
// test/unit/daemon/store/contract_test.cpp is the contract every implementation passes.
//
// Expected outcomes (not found, duplicate) are return values; exceptions mean the
// unexpected (I/O error, corrupt database) and are caught at the daemon's boundaries.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/model/enroll.hpp"
#include "daemon/model/mail.hpp"
#include "daemon/model/records.hpp"
#include "daemon/model/two_factor.hpp"

namespace warden::store {

// The records live in daemon/model/ (core/ uses them without the store); these names
// keep store::Device and friends working.
using model::ActivityEntry;
using model::Addressing;
using model::CertBinding;
using model::CertExpiry;
using model::Certificate;
using model::CertSighting;
using model::ConnectionEntry;
using model::ConnectionEvent;
using model::Device;
using model::DeviceSeat;
using model::DeviceState;
using model::DeviceType;
using model::EnrollCa;
using model::Group;
using model::GroupMember;
using model::License;
using model::LoginRequirements;
using model::LoginState;
using model::MailState;
using model::OfflineAlert;
using model::OneTimeCode;
using model::parse_addressing;
using model::parse_connection_event;
using model::parse_device_state;
using model::parse_device_type;
using model::parse_mail_state;
using model::PendingCert;
using model::PendingState;
using model::QueuedMail;
using model::RejectedCert;
using model::RevokedSerial;
using model::RoutedNetworkRow;
using model::Rule;
using model::to_string;
using model::Totp;
using model::Traffic;
using model::TrGate;
using model::TrMode;
using model::TrSettings;
using model::TrToken;

// What a backend throws for its own failures. unavailable(): the database could not be
// reached (PostgreSQL restarting or failing over); the store connects again by itself
// before its next statement, so the caller reports the failure and goes on.
struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
    virtual bool unavailable() const { return false; }
};

enum class Status { Ok, NotFound, Duplicate, Invalid };

struct Outcome {
    Status status = Status::Ok;
    std::string message;
    bool ok() const { return status == Status::Ok; }
    static Outcome success() { return {}; }
    static Outcome fail(Status s, std::string m) { return {s, std::move(m)}; }
};

class Store {
  public:
    virtual ~Store() = default;

    // Runs `fn` in one transaction: every change it makes is kept, or none.
    virtual void transaction(const std::function<void()>& fn) = 0;
    // The same, but the commit does not wait for the disk: it survives a crash of the
    // process, not of the machine. For rows whose loss fails closed or is covered
    // otherwise (the logins' writes after the verdict: core/login_service.hpp).
    virtual void transaction_without_fsync(const std::function<void()>& fn) { transaction(fn); }

    // Devices. add_device fills in `device.id`; the group must exist.
    virtual Outcome add_device(Device& device) = 0;
    virtual std::optional<Device> find_device(std::string_view name) = 0;
    virtual std::optional<Device> find_device(std::int64_t id) = 0;
    virtual std::vector<Device> list_devices() = 0;
    virtual std::size_t device_count() = 0;
    // How many devices are in each stored state (metrics; states without devices left
    // out). The SQLite store counts in SQL; this default lists every device.
    virtual std::vector<std::pair<DeviceState, std::uint64_t>> device_state_counts() {
        std::vector<std::pair<DeviceState, std::uint64_t>> out;
        for (const auto& d : list_devices()) {
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const auto& p) { return p.first == d.state; });
            if (it == out.end())
                out.emplace_back(d.state, 1);
            else
                ++it->second;
        }
        return out;
    }
    virtual Outcome update_device(const Device& device) = 0;
    // Only state and since: safe beside concurrent edits of the other columns.
    virtual void set_device_state(std::int64_t id, DeviceState state, std::int64_t since) = 0;
    // Deletes the device and revokes its certificates (they stay listed for the CRL).
    virtual Outcome delete_device(std::string_view name, std::int64_t now) = 0;
    // A free address in [first, last]: one past the highest in use, or the lowest gap once
    // the end is reached (recently freed addresses are not handed out again at once).
    virtual std::optional<std::uint32_t> free_vpn_ip(std::uint32_t first, std::uint32_t last) = 0;
    virtual bool group_exists(std::string_view name) = 0;
    // Every device with an accessible network (routers), in device id order.
    virtual std::vector<RoutedNetworkRow> routed_networks() = 0;

    // Device management (sqlite_store_devices.cpp). The key password is a secret: read
    // only to encrypt an exported key, never listed; "" clears it / means none.
    virtual Outcome set_key_password(std::int64_t device_id, std::string_view password) = 0;
    virtual std::string key_password(std::int64_t device_id) = 0;
    // Sets active and the state (Deactivated, or Offline again) with its since; refuses
    // (Invalid) when the device already is in that condition.
    virtual Outcome set_device_active(std::int64_t id, bool active, std::int64_t since) = 0;
    virtual std::vector<CertExpiry> certificate_expiry() = 0;  // by device id

    // Certificates. certificates_of lists them in issue order, newest last.
    virtual Outcome add_certificate(const Certificate& cert) = 0;
    virtual std::vector<Certificate> certificates_of(std::int64_t device_id) = 0;
    virtual std::optional<CertBinding> find_by_serial(std::string_view serial) = 0;
    // Every certificate without its PEMs and common name (the verdict index).
    virtual std::vector<Certificate> certificate_summaries() = 0;
    // Whether an unrevoked certificate valid at `now` has this common name.
    virtual bool common_name_in_use(std::string_view common_name, std::int64_t now) = 0;
    virtual Outcome revoke_certificate(std::string_view serial, std::int64_t now) = 0;
    virtual std::vector<RevokedSerial> revoked_serials() = 0;

    // Groups and rules. add_group/add_rule fill in the id. delete_group refuses a group
    // that devices or rules still use, and the default group.
    virtual Outcome add_group(Group& group) = 0;
    virtual std::vector<Group> list_groups() = 0;  // by name
    virtual Outcome delete_group(std::string_view name) = 0;
    virtual Outcome add_rule(Rule& rule) = 0;
    virtual std::vector<Rule> list_rules() = 0;                            // by id
    virtual std::vector<Rule> rules_of_group(std::string_view group) = 0;  // from or to it
    virtual std::vector<GroupMember> group_members() = 0;  // every device, by VPN IP
    virtual Outcome delete_rule(std::int64_t id) = 0;

    // Logs.
    virtual void log_activity(const ActivityEntry& entry) = 0;
    // Called with each activity entry (its id set) once it is committed: when the outermost
    // transaction that wrote it commits, or at once when written outside a transaction;
    // never for a rolled-back one. Runs on the committing thread; must not throw (an
    // exception is dropped: the change is committed already). One listener; {} removes it.
    using ActivityListener = std::function<void(const ActivityEntry&)>;
    virtual void on_committed_activity(ActivityListener listener) = 0;
    virtual std::vector<ActivityEntry> activity(std::int64_t since, std::size_t limit) = 0;
    virtual void log_connection(const ConnectionEntry& entry) = 0;
    virtual std::vector<ConnectionEntry> connections(std::optional<std::int64_t> device_id,
                                                     std::size_t limit) = 0;

    // Two-factor authentication (sqlite_store_two_factor.cpp).
    virtual LoginRequirements login_requirements(std::int64_t device_id) = 0;
    // login_requirements of every device that needs anything (the verdict index).
    virtual std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements() = 0;
    virtual std::optional<Totp> find_totp(std::int64_t device_id) = 0;
    virtual void put_totp(const Totp& totp) = 0;  // insert or replace
    virtual bool delete_totp(std::int64_t device_id) = 0;
    // Records `step` as the last accepted one unless a step >= it was accepted before
    // (returns false then: a replay). Atomic, so two logins cannot both use one code.
    virtual bool advance_totp_step(std::int64_t device_id, std::int64_t step) = 0;
    virtual LoginState login_state(std::int64_t device_id) = 0;
    virtual void set_password_hash(std::int64_t device_id, std::string_view hash) = 0;
    // lock_level: locks since the last successful login (escalation, see core/login.hpp).
    virtual void set_login_failures(std::int64_t device_id, int failures, std::int64_t locked_until,
                                    int lock_level) = 0;
    virtual std::optional<bool> group_requires_totp(
        std::string_view group) = 0;  // nullopt: no group
    virtual Outcome set_group_requires_totp(std::string_view group, bool required) = 0;
    virtual void add_one_time_code(OneTimeCode& code) = 0;  // fills in code.id
    // All codes (used and expired too) of one device, or of every device; newest first.
    virtual std::vector<OneTimeCode> one_time_codes(std::optional<std::int64_t> device_id) = 0;
    // Marks the code used if it is neither used nor expired at `now`; false otherwise.
    virtual bool use_one_time_code(std::int64_t id, std::int64_t now) = 0;
    virtual Outcome delete_one_time_code(std::int64_t id) = 0;
    // auth-gen-token sessions whose second factor was checked; rows older than
    // `expire_before` are dropped on every add.
    virtual void add_token_session(std::string_view session_id, std::int64_t device_id,
                                   std::int64_t now, std::int64_t expire_before) = 0;
    virtual std::optional<std::int64_t> token_session_device(std::string_view session_id) = 0;
    virtual void drop_token_sessions(std::int64_t device_id) = 0;

    // Time-restricted access (sqlite_store_tr.cpp). put_tr_settings stores a device's
    // mode and window, withdrawing any release (a new setting starts unreleased);
    // delete_tr_settings lifts the restriction and drops the device's tokens.
    virtual Outcome put_tr_settings(const TrSettings& settings) = 0;
    virtual bool delete_tr_settings(std::int64_t device_id) = 0;
    virtual std::optional<TrSettings> tr_settings(std::int64_t device_id) = 0;
    virtual std::vector<TrSettings> all_tr_settings() = 0;  // by device id
    // A release until `until` (not yet noted as ended).
    virtual void set_tr_release(std::int64_t device_id, std::int64_t until) = 0;
    // The release's end was handled (session ended, logged): not handled again.
    virtual void note_tr_release_end(std::int64_t device_id) = 0;
    virtual void set_tr_token_sent(std::int64_t device_id, std::int64_t at) = 0;
    virtual void add_tr_token(TrToken& token) = 0;  // fills in token.id
    virtual std::optional<TrToken> find_tr_token(std::string_view token_hash) = 0;
    // Marks the token used if it is unused and not expired at `now`; false otherwise.
    // Atomic, so two confirms cannot both use one token.
    virtual bool use_tr_token(std::int64_t id, std::int64_t now) = 0;
    virtual std::vector<TrToken> tr_tokens(std::int64_t device_id) = 0;  // newest first
    // Licenses (sqlite_store_licenses.cpp). A new device takes a seat of `default` while
    // one is free (schema 003 trigger). Seats are checked by the database: assigning a
    // full license is Invalid "license: ...".
    virtual Outcome add_license(License& license) = 0;
    virtual std::optional<License> find_license(std::string_view name) = 0;
    virtual std::vector<License> list_licenses() = 0;
    virtual Outcome set_license_seats(std::string_view name, std::int64_t seats) = 0;
    virtual Outcome assign_license(std::int64_t device_id, std::string_view license,
                                   std::int64_t now) = 0;
    virtual Outcome unassign_license(std::int64_t device_id, std::int64_t now) = 0;
    virtual DeviceSeat seat_of(std::int64_t device_id) = 0;
    virtual std::vector<DeviceSeat> device_seats() = 0;
    virtual std::vector<std::int64_t> devices_with_license(std::int64_t license_id) = 0;
    virtual void note_license_expiry(std::int64_t license_id, std::int64_t now) = 0;

    // Traffic and logs (sqlite_store_usage.cpp). Months are UTC yyyymm.
    virtual void add_traffic(const Traffic& traffic) = 0;
    // Per device: bytes in `month`, in `previous`, and in total (month 0), in that order.
    virtual std::vector<Traffic> traffic_of(std::int64_t device_id) = 0;
    virtual std::vector<std::array<Traffic, 3>> traffic_summary(int month, int previous) = 0;
    virtual std::vector<ActivityEntry> activity_for(std::string_view object, std::int64_t since,
                                                    std::size_t limit) = 0;
    // Online backup (SQLite backup API) to `path`, which must not exist.
    virtual Outcome backup(const std::string& path) = 0;

    // Outgoing mail queue (sqlite_store_mail.cpp). enqueue_mail fills in `mail.id` and
    // stores it pending, due at its next_attempt_at. Each mark_* counts one attempt.
    virtual void enqueue_mail(QueuedMail& mail) = 0;
    virtual std::vector<QueuedMail> due_mail(std::int64_t now,
                                             std::size_t limit) = 0;  // oldest first
    virtual std::optional<std::int64_t> next_mail_attempt() = 0;      // earliest pending, if any
    virtual void mark_mail_sent(std::int64_t id, std::int64_t now) = 0;
    virtual void mark_mail_retry(std::int64_t id, std::int64_t next_attempt_at,
                                 std::string_view error) = 0;
    virtual void mark_mail_failed(std::int64_t id, std::string_view error) = 0;
    virtual std::vector<QueuedMail> list_mail(std::optional<MailState> state) = 0;  // by id
    // Failed -> pending, due at `now`: one message (nullopt: every failed one). Returns
    // how many changed (0: no such failed message).
    virtual std::size_t retry_failed_mail(std::optional<std::int64_t> id, std::int64_t now) = 0;

    // Availability alerts (sqlite_store_availability.cpp): the outages whose offline alert
    // went out and whose recovery alert has not. A device's row goes with the device.
    virtual std::vector<OfflineAlert> offline_alerts() = 0;         // by device id
    virtual void put_offline_alert(const OfflineAlert& alert) = 0;  // insert or replace
    virtual bool clear_offline_alert(std::int64_t device_id) = 0;   // false: there was none

    // Enrollment by fingerprint (sqlite_store_enroll.cpp, schema/011). Fingerprints are
    // in text::normalize_fingerprint form.
    virtual Outcome add_enroll_ca(const EnrollCa& ca) = 0;  // Duplicate: name or fingerprint
    virtual std::vector<EnrollCa> enroll_cas() = 0;         // by name
    // Also drops the CA's pending certificates; accepted devices stay (refused until the
    // CA is listed again).
    virtual Outcome delete_enroll_ca(std::string_view name) = 0;
    // Records an attempt of a pending certificate: a new row (attempts 1) or the row's
    // last_seen, address, versions and state updated and attempts + 1. Past `max_pending`
    // rows the oldest first_seen go. True when the row is new.
    virtual bool note_pending(const CertSighting& cert, PendingState state, std::int64_t now,
                              std::size_t max_pending) = 0;
    virtual std::vector<PendingCert> pending_certs() = 0;  // by first_seen
    virtual std::optional<PendingCert> find_pending(std::string_view fingerprint) = 0;
    virtual bool delete_pending(std::string_view fingerprint) = 0;
    // Rejects (replacing the pending row, if any). Duplicate when already rejected.
    virtual Outcome reject_cert(const RejectedCert& rejected) = 0;
    virtual std::vector<RejectedCert> rejected_certs() = 0;  // by rejected_at
    virtual void note_rejected_attempt(std::string_view fingerprint, std::int64_t now) = 0;
    // One (or, nullopt, every) rejected fingerprint forgotten; how many were.
    virtual std::size_t clear_rejected(std::optional<std::string_view> fingerprint) = 0;
    // Deletes a device's unrevoked enrolled certificates (`device reset-auth`); how many.
    virtual std::size_t unbind_enrolled(std::int64_t device_id) = 0;

    virtual int schema_version() = 0;
    virtual std::string integrity_check() = 0;
};

struct OpenResult {
    std::unique_ptr<Store> store;
    std::string error;  // set when the store could not be opened (e.g. newer schema)
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode and applies
// pending migrations. Refuses a database whose schema is newer than this build knows.
OpenResult open_sqlite(const std::string& path);

// Connects to PostgreSQL with a libpq connection string (library warden_store_pg) and
// applies pending migrations (schema/pg/), refusing a newer schema like open_sqlite. Its
// errors start with "postgresql: ".
OpenResult open_postgresql(const std::string& conninfo, const std::string& application_name = {});

}  // namespace warden::store

// PgStore's families of their own files (issue 14): two-factor, time restriction,
// licenses, usage, mail, availability and enrollment, each forwarding to the free functions
// in pg_store_<family>.cpp on the store's connection (and so inside its transaction).
#include "daemon/store/pg_store.hpp"
#include "daemon/store/pg_store_availability.hpp"
#include "daemon/store/pg_store_enroll.hpp"
#include "daemon/store/pg_store_licenses.hpp"
#include "daemon/store/pg_store_mail.hpp"
#include "daemon/store/pg_store_tr.hpp"
#include "daemon/store/pg_store_two_factor.hpp"
#include "daemon/store/pg_store_usage.hpp"

namespace warden::store {

LoginRequirements PgStore::login_requirements(std::int64_t device_id) {
    return pg_two_factor::login_requirements(conn_, device_id);
}

std::vector<std::pair<std::int64_t, LoginRequirements>> PgStore::all_login_requirements() {
    return pg_two_factor::all_login_requirements(conn_);
}

std::optional<Totp> PgStore::find_totp(std::int64_t device_id) {
    return pg_two_factor::find_totp(conn_, device_id);
}

void PgStore::put_totp(const Totp& totp) {
    pg_two_factor::put_totp(conn_, totp);
}

bool PgStore::delete_totp(std::int64_t device_id) {
    return pg_two_factor::delete_totp(conn_, device_id);
}

bool PgStore::advance_totp_step(std::int64_t device_id, std::int64_t step) {
    return pg_two_factor::advance_totp_step(conn_, device_id, step);
}

LoginState PgStore::login_state(std::int64_t device_id) {
    return pg_two_factor::login_state(conn_, device_id);
}

void PgStore::set_password_hash(std::int64_t device_id, std::string_view hash) {
    pg_two_factor::set_password_hash(conn_, device_id, hash);
}

void PgStore::set_login_failures(std::int64_t device_id, int failures, std::int64_t locked_until,
                                 int lock_level) {
    pg_two_factor::set_login_failures(conn_, device_id, failures, locked_until, lock_level);
}

std::optional<bool> PgStore::group_requires_totp(std::string_view group) {
    return pg_two_factor::group_requires_totp(conn_, group);
}

Outcome PgStore::set_group_requires_totp(std::string_view group, bool required) {
    return pg_two_factor::set_group_requires_totp(conn_, group, required);
}

void PgStore::add_one_time_code(OneTimeCode& code) {
    pg_two_factor::add_one_time_code(conn_, code);
}

std::vector<OneTimeCode> PgStore::one_time_codes(std::optional<std::int64_t> device_id) {
    return pg_two_factor::one_time_codes(conn_, device_id);
}

bool PgStore::use_one_time_code(std::int64_t id, std::int64_t now) {
    return pg_two_factor::use_one_time_code(conn_, id, now);
}

Outcome PgStore::delete_one_time_code(std::int64_t id) {
    return pg_two_factor::delete_one_time_code(conn_, id);
}

void PgStore::add_token_session(std::string_view session_id, std::int64_t device_id,
                                std::int64_t now, std::int64_t expire_before) {
    pg_two_factor::add_token_session(conn_, session_id, device_id, now, expire_before);
}

std::optional<std::int64_t> PgStore::token_session_device(std::string_view session_id) {
    return pg_two_factor::token_session_device(conn_, session_id);
}

void PgStore::drop_token_sessions(std::int64_t device_id) {
    pg_two_factor::drop_token_sessions(conn_, device_id);
}

Outcome PgStore::put_tr_settings(const TrSettings& settings) {
    return pg_tr::put_tr_settings(conn_, settings);
}

bool PgStore::delete_tr_settings(std::int64_t device_id) {
    return pg_tr::delete_tr_settings(conn_, device_id);
}

std::optional<TrSettings> PgStore::tr_settings(std::int64_t device_id) {
    return pg_tr::tr_settings(conn_, device_id);
}

std::vector<TrSettings> PgStore::all_tr_settings() {
    return pg_tr::all_tr_settings(conn_);
}

void PgStore::set_tr_release(std::int64_t device_id, std::int64_t until) {
    pg_tr::set_tr_release(conn_, device_id, until);
}

void PgStore::note_tr_release_end(std::int64_t device_id) {
    pg_tr::note_tr_release_end(conn_, device_id);
}

void PgStore::set_tr_token_sent(std::int64_t device_id, std::int64_t at) {
    pg_tr::set_tr_token_sent(conn_, device_id, at);
}

void PgStore::add_tr_token(TrToken& token) {
    pg_tr::add_tr_token(conn_, token);
}

std::optional<TrToken> PgStore::find_tr_token(std::string_view token_hash) {
    return pg_tr::find_tr_token(conn_, token_hash);
}

bool PgStore::use_tr_token(std::int64_t id, std::int64_t now) {
    return pg_tr::use_tr_token(conn_, id, now);
}

std::vector<TrToken> PgStore::tr_tokens(std::int64_t device_id) {
    return pg_tr::tr_tokens(conn_, device_id);
}

Outcome PgStore::add_license(License& license) {
    return pg_licenses::add_license(conn_, license);
}

std::optional<License> PgStore::find_license(std::string_view name) {
    return pg_licenses::find_license(conn_, name);
}

std::vector<License> PgStore::list_licenses() {
    return pg_licenses::list_licenses(conn_);
}

Outcome PgStore::set_license_seats(std::string_view name, std::int64_t seats) {
    return pg_licenses::set_license_seats(conn_, name, seats);
}

Outcome PgStore::assign_license(std::int64_t device_id, std::string_view license,
                                std::int64_t now) {
    return pg_licenses::assign_license(conn_, device_id, license, now);
}

Outcome PgStore::unassign_license(std::int64_t device_id, std::int64_t now) {
    return pg_licenses::unassign_license(conn_, device_id, now);
}

DeviceSeat PgStore::seat_of(std::int64_t device_id) {
    return pg_licenses::seat_of(conn_, device_id);
}

std::vector<DeviceSeat> PgStore::device_seats() {
    return pg_licenses::device_seats(conn_);
}

std::vector<std::int64_t> PgStore::devices_with_license(std::int64_t license_id) {
    return pg_licenses::devices_with_license(conn_, license_id);
}

void PgStore::note_license_expiry(std::int64_t license_id, std::int64_t now) {
    pg_licenses::note_license_expiry(conn_, license_id, now);
}

void PgStore::add_traffic(const Traffic& traffic) {
    pg_usage::add_traffic(conn_, traffic);
}

std::vector<Traffic> PgStore::traffic_of(std::int64_t device_id) {
    return pg_usage::traffic_of(conn_, device_id);
}

std::vector<std::array<Traffic, 3>> PgStore::traffic_summary(int month, int previous) {
    return pg_usage::traffic_summary(conn_, month, previous);
}

std::vector<ActivityEntry> PgStore::activity_for(std::string_view object, std::int64_t since,
                                                 std::size_t limit) {
    return pg_usage::activity_for(conn_, object, since, limit);
}

void PgStore::enqueue_mail(QueuedMail& mail) {
    pg_mail::enqueue_mail(conn_, mail);
}

std::vector<QueuedMail> PgStore::due_mail(std::int64_t now, std::size_t limit) {
    return pg_mail::due_mail(conn_, now, limit);
}

std::optional<std::int64_t> PgStore::next_mail_attempt() {
    return pg_mail::next_mail_attempt(conn_);
}

void PgStore::mark_mail_sent(std::int64_t id, std::int64_t now) {
    pg_mail::mark_mail_sent(conn_, id, now);
}

void PgStore::mark_mail_retry(std::int64_t id, std::int64_t next_attempt_at,
                              std::string_view error) {
    pg_mail::mark_mail_retry(conn_, id, next_attempt_at, error);
}

void PgStore::mark_mail_failed(std::int64_t id, std::string_view error) {
    pg_mail::mark_mail_failed(conn_, id, error);
}

std::vector<QueuedMail> PgStore::list_mail(std::optional<MailState> state) {
    return pg_mail::list_mail(conn_, state);
}

std::size_t PgStore::retry_failed_mail(std::optional<std::int64_t> id, std::int64_t now) {
    return pg_mail::retry_failed_mail(conn_, id, now);
}

std::vector<OfflineAlert> PgStore::offline_alerts() {
    return pg_availability::offline_alerts(conn_);
}

void PgStore::put_offline_alert(const OfflineAlert& alert) {
    pg_availability::put_offline_alert(conn_, alert);
}

bool PgStore::clear_offline_alert(std::int64_t device_id) {
    return pg_availability::clear_offline_alert(conn_, device_id);
}

Outcome PgStore::add_enroll_ca(const EnrollCa& ca) {
    return pg_enroll::add_enroll_ca(conn_, ca);
}

std::vector<EnrollCa> PgStore::enroll_cas() {
    return pg_enroll::enroll_cas(conn_);
}

Outcome PgStore::delete_enroll_ca(std::string_view name) {
    return pg_enroll::delete_enroll_ca(conn_, name);
}

bool PgStore::note_pending(const CertSighting& cert, PendingState state, std::int64_t now,
                           std::size_t max_pending) {
    return pg_enroll::note_pending(conn_, cert, state, now, max_pending);
}

std::vector<PendingCert> PgStore::pending_certs() {
    return pg_enroll::pending_certs(conn_);
}

std::optional<PendingCert> PgStore::find_pending(std::string_view fingerprint) {
    return pg_enroll::find_pending(conn_, fingerprint);
}

bool PgStore::delete_pending(std::string_view fingerprint) {
    return pg_enroll::delete_pending(conn_, fingerprint);
}

Outcome PgStore::reject_cert(const RejectedCert& rejected) {
    return pg_enroll::reject_cert(conn_, rejected);
}

std::vector<RejectedCert> PgStore::rejected_certs() {
    return pg_enroll::rejected_certs(conn_);
}

void PgStore::note_rejected_attempt(std::string_view fingerprint, std::int64_t now) {
    pg_enroll::note_rejected_attempt(conn_, fingerprint, now);
}

std::size_t PgStore::clear_rejected(std::optional<std::string_view> fingerprint) {
    return pg_enroll::clear_rejected(conn_, fingerprint);
}

std::size_t PgStore::unbind_enrolled(std::int64_t device_id) {
    return pg_enroll::unbind_enrolled(conn_, device_id);
}

}  // namespace warden::store

// PgStore: the families another change implements on PostgreSQL (two-factor, time
// restriction, licenses, usage, mail, availability, enrollment). Until then each method
// fails loudly: a wardend on PostgreSQL cannot silently lose such a write. This file is
// replaced, whole, by the one forwarding to warden::store::pg_<family>.
#include <stdexcept>

#include "daemon/store/pg_store.hpp"

namespace warden::store {
namespace {

[[noreturn]] void not_implemented(const char* method) {
    throw std::logic_error(std::string("postgresql: ") + method + " not implemented");
}

}  // namespace

LoginRequirements PgStore::login_requirements(std::int64_t) {
    not_implemented("login_requirements");
}

std::vector<std::pair<std::int64_t, LoginRequirements>> PgStore::all_login_requirements() {
    not_implemented("all_login_requirements");
}

std::optional<Totp> PgStore::find_totp(std::int64_t) {
    not_implemented("find_totp");
}

void PgStore::put_totp(const Totp&) {
    not_implemented("put_totp");
}

bool PgStore::delete_totp(std::int64_t) {
    not_implemented("delete_totp");
}

bool PgStore::advance_totp_step(std::int64_t, std::int64_t) {
    not_implemented("advance_totp_step");
}

LoginState PgStore::login_state(std::int64_t) {
    not_implemented("login_state");
}

void PgStore::set_password_hash(std::int64_t, std::string_view) {
    not_implemented("set_password_hash");
}

void PgStore::set_login_failures(std::int64_t, int, std::int64_t, int) {
    not_implemented("set_login_failures");
}

std::optional<bool> PgStore::group_requires_totp(std::string_view) {
    not_implemented("group_requires_totp");
}

Outcome PgStore::set_group_requires_totp(std::string_view, bool) {
    not_implemented("set_group_requires_totp");
}

void PgStore::add_one_time_code(OneTimeCode&) {
    not_implemented("add_one_time_code");
}

std::vector<OneTimeCode> PgStore::one_time_codes(std::optional<std::int64_t>) {
    not_implemented("one_time_codes");
}

bool PgStore::use_one_time_code(std::int64_t, std::int64_t) {
    not_implemented("use_one_time_code");
}

Outcome PgStore::delete_one_time_code(std::int64_t) {
    not_implemented("delete_one_time_code");
}

void PgStore::add_token_session(std::string_view, std::int64_t, std::int64_t, std::int64_t) {
    not_implemented("add_token_session");
}

std::optional<std::int64_t> PgStore::token_session_device(std::string_view) {
    not_implemented("token_session_device");
}

void PgStore::drop_token_sessions(std::int64_t) {
    not_implemented("drop_token_sessions");
}

Outcome PgStore::put_tr_settings(const TrSettings&) {
    not_implemented("put_tr_settings");
}

bool PgStore::delete_tr_settings(std::int64_t) {
    not_implemented("delete_tr_settings");
}

std::optional<TrSettings> PgStore::tr_settings(std::int64_t) {
    not_implemented("tr_settings");
}

std::vector<TrSettings> PgStore::all_tr_settings() {
    not_implemented("all_tr_settings");
}

void PgStore::set_tr_release(std::int64_t, std::int64_t) {
    not_implemented("set_tr_release");
}

void PgStore::note_tr_release_end(std::int64_t) {
    not_implemented("note_tr_release_end");
}

void PgStore::set_tr_token_sent(std::int64_t, std::int64_t) {
    not_implemented("set_tr_token_sent");
}

void PgStore::add_tr_token(TrToken&) {
    not_implemented("add_tr_token");
}

std::optional<TrToken> PgStore::find_tr_token(std::string_view) {
    not_implemented("find_tr_token");
}

bool PgStore::use_tr_token(std::int64_t, std::int64_t) {
    not_implemented("use_tr_token");
}

std::vector<TrToken> PgStore::tr_tokens(std::int64_t) {
    not_implemented("tr_tokens");
}

Outcome PgStore::add_license(License&) {
    not_implemented("add_license");
}

std::optional<License> PgStore::find_license(std::string_view) {
    not_implemented("find_license");
}

std::vector<License> PgStore::list_licenses() {
    not_implemented("list_licenses");
}

Outcome PgStore::set_license_seats(std::string_view, std::int64_t) {
    not_implemented("set_license_seats");
}

Outcome PgStore::assign_license(std::int64_t, std::string_view, std::int64_t) {
    not_implemented("assign_license");
}

Outcome PgStore::unassign_license(std::int64_t, std::int64_t) {
    not_implemented("unassign_license");
}

DeviceSeat PgStore::seat_of(std::int64_t) {
    not_implemented("seat_of");
}

std::vector<DeviceSeat> PgStore::device_seats() {
    not_implemented("device_seats");
}

std::vector<std::int64_t> PgStore::devices_with_license(std::int64_t) {
    not_implemented("devices_with_license");
}

void PgStore::note_license_expiry(std::int64_t, std::int64_t) {
    not_implemented("note_license_expiry");
}

void PgStore::add_traffic(const Traffic&) {
    not_implemented("add_traffic");
}

std::vector<Traffic> PgStore::traffic_of(std::int64_t) {
    not_implemented("traffic_of");
}

std::vector<std::array<Traffic, 3>> PgStore::traffic_summary(int, int) {
    not_implemented("traffic_summary");
}

std::vector<ActivityEntry> PgStore::activity_for(std::string_view, std::int64_t, std::size_t) {
    not_implemented("activity_for");
}

void PgStore::enqueue_mail(QueuedMail&) {
    not_implemented("enqueue_mail");
}

std::vector<QueuedMail> PgStore::due_mail(std::int64_t, std::size_t) {
    not_implemented("due_mail");
}

std::optional<std::int64_t> PgStore::next_mail_attempt() {
    not_implemented("next_mail_attempt");
}

void PgStore::mark_mail_sent(std::int64_t, std::int64_t) {
    not_implemented("mark_mail_sent");
}

void PgStore::mark_mail_retry(std::int64_t, std::int64_t, std::string_view) {
    not_implemented("mark_mail_retry");
}

void PgStore::mark_mail_failed(std::int64_t, std::string_view) {
    not_implemented("mark_mail_failed");
}

std::vector<QueuedMail> PgStore::list_mail(std::optional<MailState>) {
    not_implemented("list_mail");
}

std::size_t PgStore::retry_failed_mail(std::optional<std::int64_t>, std::int64_t) {
    not_implemented("retry_failed_mail");
}

std::vector<OfflineAlert> PgStore::offline_alerts() {
    not_implemented("offline_alerts");
}

void PgStore::put_offline_alert(const OfflineAlert&) {
    not_implemented("put_offline_alert");
}

bool PgStore::clear_offline_alert(std::int64_t) {
    not_implemented("clear_offline_alert");
}

Outcome PgStore::add_enroll_ca(const EnrollCa&) {
    not_implemented("add_enroll_ca");
}

std::vector<EnrollCa> PgStore::enroll_cas() {
    not_implemented("enroll_cas");
}

Outcome PgStore::delete_enroll_ca(std::string_view) {
    not_implemented("delete_enroll_ca");
}

bool PgStore::note_pending(const CertSighting&, PendingState, std::int64_t, std::size_t) {
    not_implemented("note_pending");
}

std::vector<PendingCert> PgStore::pending_certs() {
    not_implemented("pending_certs");
}

std::optional<PendingCert> PgStore::find_pending(std::string_view) {
    not_implemented("find_pending");
}

bool PgStore::delete_pending(std::string_view) {
    not_implemented("delete_pending");
}

Outcome PgStore::reject_cert(const RejectedCert&) {
    not_implemented("reject_cert");
}

std::vector<RejectedCert> PgStore::rejected_certs() {
    not_implemented("rejected_certs");
}

void PgStore::note_rejected_attempt(std::string_view, std::int64_t) {
    not_implemented("note_rejected_attempt");
}

std::size_t PgStore::clear_rejected(std::optional<std::string_view>) {
    not_implemented("clear_rejected");
}

std::size_t PgStore::unbind_enrolled(std::int64_t) {
    not_implemented("unbind_enrolled");
}

}  // namespace warden::store

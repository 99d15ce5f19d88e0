#include "daemon/core/verdict_stats.hpp"

#include <algorithm>
#include <utility>

#include "daemon/core/enrollment.hpp"
#include "daemon/core/time_restriction.hpp"

namespace warden::core {

void VerdictStats::record(const DeferralReport& r) {
    auto& d = deferrals_;
    if (r.event == DeferralReport::Event::Late) {
        ++d.late;
        if (r.timed_out) ++d.timed_out;
        d.max_late_ms = std::max(d.max_late_ms, r.late_ms);
        return;
    }
    ++d.total;
    ++(r.kind == RequestKind::Auth ? d.auth : d.connect);
    ++(r.cause == DeferralCause::Budget ? d.budget : d.queued);
}

void VerdictStats::verdict_took(std::chrono::steady_clock::duration elapsed) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    ++times_.count;
    if (us > 1000) ++times_.over_1ms;
    if (us > 2000) ++times_.over_2ms;
    times_.max_us = std::max<std::int64_t>(times_.max_us, us);
    times_.sum_us += us;
    std::size_t bucket = 0;
    while (bucket < kVerdictBucketsUs.size() && us > kVerdictBucketsUs[bucket]) ++bucket;
    ++times_.buckets[bucket];
}

void VerdictStats::verdict(RequestKind kind, bool allow, std::string_view reason) {
    const auto k = static_cast<std::size_t>(kind);
    if (allow)
        ++counts_.allowed[k];
    else
        ++counts_.refused[k][static_cast<std::size_t>(refusal_class(reason))];
}

void VerdictStats::verdict_error(RequestKind kind) {
    ++counts_.errors[static_cast<std::size_t>(kind)];
}

namespace {

// The refusal texts of core/decision.cpp, login.cpp, login_service.cpp, enrollment.hpp
// and auth_service.cpp (oversized replies), by the part that never varies.
constexpr std::pair<RefusalClass, std::string_view> kLabels[] = {
    {RefusalClass::NoSerial, "no_serial"},
    {RefusalClass::NotRegistered, "not_registered"},
    {RefusalClass::Revoked, "revoked"},
    {RefusalClass::NotYetValid, "not_yet_valid"},
    {RefusalClass::Expired, "expired"},
    {RefusalClass::DeviceDeleted, "device_deleted"},
    {RefusalClass::Deactivated, "deactivated"},
    {RefusalClass::NoLicense, "no_license"},
    {RefusalClass::NotReleased, "not_released"},
    {RefusalClass::OutsidePool, "outside_pool"},
    {RefusalClass::LoginFailed, "login_failed"},
    {RefusalClass::Locked, "locked"},
    {RefusalClass::CredentialsRequired, "credentials_required"},
    {RefusalClass::FreshLogin, "fresh_login"},
    {RefusalClass::ConfigTooLarge, "config_too_large"},
    {RefusalClass::PendingAuthorization, "pending_authorization"},
    {RefusalClass::UpdateRequired, "update_required"},
    {RefusalClass::CertificateRejected, "certificate_rejected"},
    {RefusalClass::CaNotListed, "ca_not_listed"},
    {RefusalClass::Other, "other"},
};

const std::pair<std::string_view, RefusalClass> kPrefixes[] = {
    {"no client certificate serial", RefusalClass::NoSerial},
    {"certificate not registered", RefusalClass::NotRegistered},
    {"certificate revoked", RefusalClass::Revoked},
    {"certificate not yet valid", RefusalClass::NotYetValid},
    {"certificate expired", RefusalClass::Expired},
    {"device deleted", RefusalClass::DeviceDeleted},
    {"device deactivated", RefusalClass::Deactivated},
    {"no license", RefusalClass::NoLicense},
    {kNotReleased, RefusalClass::NotReleased},
    {"device address outside the VPN pool", RefusalClass::OutsidePool},
    {"login failed", RefusalClass::LoginFailed},
    {"locked for another", RefusalClass::Locked},
    {"credentials required", RefusalClass::CredentialsRequired},
    {"session expired", RefusalClass::FreshLogin},
    {"client config too large", RefusalClass::ConfigTooLarge},
    {kPendingAuthorization, RefusalClass::PendingAuthorization},
    {kUpdateRequired, RefusalClass::UpdateRequired},
    {kCertificateRejected, RefusalClass::CertificateRejected},
    {kCaNotListed, RefusalClass::CaNotListed},
};

}  // namespace

RefusalClass refusal_class(std::string_view reason) {
    for (const auto& [prefix, cls] : kPrefixes)
        if (reason.substr(0, prefix.size()) == prefix) return cls;
    return RefusalClass::Other;
}

std::string_view refusal_label(RefusalClass c) {
    return kLabels[static_cast<std::size_t>(c)].second;
}

std::string_view kind_name(RequestKind kind) {
    return kind == RequestKind::Auth ? "auth" : "connect";
}

std::string_view cause_name(DeferralCause cause) {
    return cause == DeferralCause::Budget ? "budget" : "queued";
}

}  // namespace warden::core

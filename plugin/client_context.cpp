#include "plugin/client_context.hpp"

#include <openssl/asn1.h>

#include <chrono>
#include <ctime>

namespace warden::plugin {

std::optional<std::int64_t> cert_not_after(const X509* cert) noexcept {
    if (cert == nullptr) return std::nullopt;
    const ASN1_TIME* not_after = X509_get0_notAfter(cert);
    std::tm tm{};
    if (not_after == nullptr || ASN1_TIME_to_tm(not_after, &tm) != 1) return std::nullopt;
    // tm is UTC. Calendar arithmetic rather than timegm(): no time zone state involved,
    // and years past 2038 stay exact.
    using namespace std::chrono;
    const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                              day{static_cast<unsigned>(tm.tm_mday)}};
    if (!date.ok()) return std::nullopt;
    const auto at = sys_days{date} + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
    const std::int64_t unix_seconds = at.time_since_epoch().count();
    if (unix_seconds < 0) return std::nullopt;
    return unix_seconds;
}

}  // namespace warden::plugin

#include "daemon/core/traffic.hpp"

#include <ctime>

namespace warden::core {

int utc_month(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

int previous_month(int yyyymm) {
    const int year = yyyymm / 100, month = yyyymm % 100;
    return month == 1 ? (year - 1) * 100 + 12 : year * 100 + month - 1;
}

}  // namespace warden::core

// Months for traffic accounting: UTC calendar months written as yyyymm (202611). A
// session's bytes count in the month it ended; live sessions count in the current month.
#pragma once

#include <cstdint>

namespace warden::core {

int utc_month(std::int64_t unix_seconds);
int previous_month(int yyyymm);

}  // namespace warden::core

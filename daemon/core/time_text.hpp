// Times and durations as users type them (SPEC §13): ISO 8601 times, local time unless a
// zone is given ("2026-11-22T14:00", "2026-11-22 14:00:30+01:00", "2026-11-22Z"), and
// durations "90s", "30m", "2h", "7d". Pure: local time is resolved by a function passed in.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/duration.hpp"  // parse_duration

namespace warden::core {

struct CivilTime {
    int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

// Local civil time -> unix seconds (nullopt when it does not exist, e.g. in a DST gap).
using LocalResolver = std::function<std::optional<std::int64_t>(const CivilTime&)>;

// The process's time zone (TZ, /etc/localtime) through mktime.
std::optional<std::int64_t> system_local_time(const CivilTime& civil);

// "YYYY-MM-DD[(T| )HH:MM[:SS]][Z|±HH[:MM]]"; a date alone is 00:00 that day.
std::optional<std::int64_t> parse_iso_time(std::string_view text, const LocalResolver& local);

// `--since`: a duration means that long before `now`, anything else an ISO time.
std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now,
                                        const LocalResolver& local);

// Civil time read as UTC: the resolver for commands whose zone-less times mean UTC.
std::optional<std::int64_t> utc_civil_time(const CivilTime& civil);

// An instant where UTC is the default: ISO 8601 as parse_iso_time reads it (no zone: UTC)
// or Unix seconds (digits only).
std::optional<std::int64_t> parse_utc_instant(std::string_view text);

// "2026-11-22T14:00:00Z": how times appear in JSON, logs and the activity log.
std::string iso_utc(std::int64_t unix_seconds);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int year, int month, int day);

}  // namespace warden::core

#include "daemon/core/time_text.hpp"

#include <charconv>
#include <ctime>
#include <string>

namespace warden::core {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> fixed(std::string_view s, std::size_t& pos, std::size_t digits) {
    if (pos + digits > s.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += digits;
    return value;
}

bool take(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

bool valid(const CivilTime& c) {
    return c.year >= 1970 && c.year <= 9999 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
           c.day <= days_in_month(c.year, c.month) && c.hour <= 23 && c.minute <= 59 &&
           c.second <= 59;
}

// "Z", "+HH", "+HHMM", "+HH:MM" (or '-') to seconds east of UTC.
std::optional<int> zone(std::string_view s, std::size_t& pos) {
    if (take(s, pos, 'Z')) return 0;
    const bool east = take(s, pos, '+');
    if (!east && !take(s, pos, '-')) return std::nullopt;
    auto hours = fixed(s, pos, 2);
    if (!hours || *hours > 14) return std::nullopt;
    int minutes = 0;
    if (pos < s.size()) {
        take(s, pos, ':');
        auto m = fixed(s, pos, 2);
        if (!m || *m > 59) return std::nullopt;
        minutes = *m;
    }
    const int offset = *hours * 3600 + minutes * 60;
    return east ? offset : -offset;
}

}  // namespace

std::string iso_utc(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> system_local_time(const CivilTime& c) {
    std::tm tm{};
    tm.tm_year = c.year - 1900;
    tm.tm_mon = c.month - 1;
    tm.tm_mday = c.day;
    tm.tm_hour = c.hour;
    tm.tm_min = c.minute;
    tm.tm_sec = c.second;
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) return std::nullopt;
    return static_cast<std::int64_t>(t);
}

std::optional<std::int64_t> parse_iso_time(std::string_view s, const LocalResolver& local) {
    std::size_t pos = 0;
    CivilTime c;
    auto year = fixed(s, pos, 4);
    if (!year || !take(s, pos, '-')) return std::nullopt;
    auto month = fixed(s, pos, 2);
    if (!month || !take(s, pos, '-')) return std::nullopt;
    auto day = fixed(s, pos, 2);
    if (!day) return std::nullopt;
    c.year = *year;
    c.month = *month;
    c.day = *day;
    if (take(s, pos, 'T') || take(s, pos, ' ')) {
        auto hour = fixed(s, pos, 2);
        if (!hour || !take(s, pos, ':')) return std::nullopt;
        auto minute = fixed(s, pos, 2);
        if (!minute) return std::nullopt;
        c.hour = *hour;
        c.minute = *minute;
        if (take(s, pos, ':')) {
            auto second = fixed(s, pos, 2);
            if (!second) return std::nullopt;
            c.second = *second;
        }
    }
    if (!valid(c)) return std::nullopt;
    if (pos == s.size()) return local ? local(c) : std::nullopt;
    auto offset = zone(s, pos);
    if (!offset || pos != s.size()) return std::nullopt;
    return days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 +
           c.second - *offset;
}

std::optional<std::int64_t> utc_civil_time(const CivilTime& c) {
    return days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 +
           c.second;
}

std::optional<std::int64_t> parse_utc_instant(std::string_view text) {
    const bool digits = !text.empty() && text.size() <= 12 &&
                        text.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) return std::stoll(std::string(text));
    return parse_iso_time(text, utc_civil_time);
}

std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now,
                                        const LocalResolver& local) {
    if (auto d = parse_duration(text)) return now - *d;
    return parse_iso_time(text, local);
}

}  // namespace warden::core

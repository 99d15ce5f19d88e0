#include "daemon/core/duration.hpp"

#include <charconv>

namespace warden::core {
namespace {

constexpr std::int64_t kMaxSeconds = std::int64_t{10} * 366 * 24 * 3600;

std::optional<std::int64_t> unit_seconds(char unit) {
    switch (unit) {
        case 's':
            return 1;
        case 'm':
            return 60;
        case 'h':
            return 3600;
        case 'd':
            return 86400;
        default:
            return std::nullopt;
    }
}

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
    if (text.size() < 2 || text.size() > 12) return std::nullopt;
    const auto unit = unit_seconds(text.back());
    if (!unit) return std::nullopt;
    const std::string_view digits = text.substr(0, text.size() - 1);
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || digits.front() == '+')
        return std::nullopt;
    if (value <= 0 || value > kMaxSeconds / *unit) return std::nullopt;
    return value * *unit;
}

std::string exact_duration(std::int64_t seconds) {
    if (seconds <= 0) return "0s";
    for (const char unit : {'d', 'h', 'm'}) {
        const std::int64_t size = *unit_seconds(unit);
        if (seconds % size == 0) return std::to_string(seconds / size) + unit;
    }
    return std::to_string(seconds) + "s";
}

std::string format_duration(std::int64_t seconds) {
    if (seconds <= 0) return "0s";
    struct Unit {
        std::int64_t size;
        char name;
    };
    constexpr Unit units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    std::string out;
    int parts = 0;
    for (const auto& u : units) {
        if (seconds < u.size || parts == 2) continue;
        if (!out.empty()) out += ' ';
        out += std::to_string(seconds / u.size) + u.name;
        seconds %= u.size;
        ++parts;
    }
    return out;
}

}  // namespace warden::core

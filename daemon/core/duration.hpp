// Durations as users write them (SPEC §13): "90s", "30m", "2h", "7d".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::core {

// Seconds, or nullopt unless `text` is a positive integer followed by one of s, m, h, d
// (at most 10 years).
std::optional<std::int64_t> parse_duration(std::string_view text);

// The largest units that describe `seconds` exactly or rounded down, e.g. "1h 59m",
// "45s", "2d 3h"; "0s" for zero or less.
std::string format_duration(std::int64_t seconds);

// The same duration in the largest unit that divides it ("300s" -> "5m"), which
// parse_duration() reads back; "0s" for zero or less.
std::string exact_duration(std::int64_t seconds);

}  // namespace warden::core

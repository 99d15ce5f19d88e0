// Arbitrary text as a user-typed time or duration (`license add --expires`, `log activity
// --since`, `tr set --window`): a value or nullopt, never a crash; a zoned time and its UTC
// spelling agree.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/core/time_text.hpp"

using namespace warden::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const LocalResolver utc = [](const CivilTime& c) -> std::optional<std::int64_t> {
        return days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 +
               c.second;
    };
    auto t = parse_iso_time(text, utc);
    if (t && (*t < -15 * 3600 || *t > 253402300800LL + 15 * 3600)) __builtin_trap();
    if (auto d = parse_duration(text); d && *d <= 0) __builtin_trap();
    (void)parse_since(text, 1'800'000'000, utc);
    // `tr set`: zone-less means UTC, so it reads what parse_iso_time reads with `utc`.
    if (auto instant = parse_utc_instant(text); instant && t && *instant != *t) __builtin_trap();
    return 0;
}

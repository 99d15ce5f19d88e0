// The admin protocol's reply codes and wardenctl's exit codes (SPEC §13), from one
// table: wardend names the code in its reply ({"status": "error", "code": "not_found"}),
// wardenctl parses the name and exits with the code's exit status. Header-only and free
// of Boost: common/ is linked into the plugin too.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace warden::admin {

enum class Code { Ok, Invalid, NotFound, Denied, Usage, Internal };

// wardenctl's documented exit statuses. Unreachable has no reply code: no reply came.
enum Exit { kDone = 0, kRefused = 1, kUsage = 2, kUnreachable = 3, kDenied = 4 };

struct CodeEntry {
    Code code;
    std::string_view name;  // on the wire
    Exit exit;              // wardenctl's exit status for a reply with this code
};

inline constexpr std::array<CodeEntry, 6> kCodes{{
    {Code::Ok, "ok", kDone},
    {Code::Invalid, "invalid", kRefused},
    {Code::NotFound, "not_found", kRefused},
    {Code::Denied, "denied", kDenied},
    {Code::Usage, "usage", kUsage},
    {Code::Internal, "internal", kRefused},
}};

constexpr std::string_view code_name(Code code) {
    for (const auto& e : kCodes)
        if (e.code == code) return e.name;
    return "internal";
}

constexpr std::optional<Code> parse_code(std::string_view name) {
    for (const auto& e : kCodes)
        if (e.name == name) return e.code;
    return std::nullopt;
}

// The exit status for an error reply naming `name`: an unknown name (or "ok" in an
// error reply) is a refusal.
constexpr Exit exit_for_error(std::string_view name) {
    for (const auto& e : kCodes)
        if (e.name == name && e.code != Code::Ok) return e.exit;
    return kRefused;
}

}  // namespace warden::admin

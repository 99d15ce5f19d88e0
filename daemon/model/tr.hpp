// Rows of time-restricted (TR) access (schema/009_time_restriction.sql): a device's TR
// settings with its current release, and the tokens mailed to release it. The Store
// methods are declared in store/store.hpp, implemented in store/sqlite_store_tr.cpp; the
// rules are in core/time_restriction.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::model {

enum class TrMode { Window, Duration };

inline std::string_view to_string(TrMode mode) {
    return mode == TrMode::Duration ? "duration" : "window";
}

inline std::optional<TrMode> parse_tr_mode(std::string_view text) {
    if (text == "window") return TrMode::Window;
    if (text == "duration") return TrMode::Duration;
    return std::nullopt;
}

struct TrSettings {
    std::int64_t device_id = 0;
    TrMode mode = TrMode::Window;
    std::int64_t start = 0;     // window / activation window, Unix seconds
    std::int64_t end = 0;       // first second outside it
    std::int64_t duration = 0;  // Duration mode: seconds of access per confirm
    std::optional<std::int64_t> released_until;
    bool release_noted = false;  // the release's end was handled (session ended, logged)
    std::optional<std::int64_t> last_token_sent_at;
};

struct TrToken {
    std::int64_t id = 0;
    std::string token_hash;  // SHA-256 of the token text, lowercase hex
    std::int64_t device_id = 0;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

// What a verdict needs of a TR device (core/decision.hpp): the end of its current
// release, if any.
struct TrGate {
    std::optional<std::int64_t> released_until;
    bool operator==(const TrGate&) const = default;
};

}  // namespace warden::model

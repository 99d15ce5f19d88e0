// Rows of the two-factor tables (schema/004_two_factor.sql); the Store methods that read
// and write them are declared in store/store.hpp, implemented in
// store/sqlite_store_two_factor.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace warden::model {

struct Totp {
    std::int64_t device_id = 0;
    std::string secret;                        // base32
    std::optional<std::int64_t> confirmed_at;  // unset: waiting for `totp confirm`
    bool enforced = false;                     // logins need a code (first confirm .. off)
    std::int64_t last_step = 0;                // highest accepted time step
    std::int64_t created_at = 0;
};

// Static password and brute-force state of a device (defaults when it has no row).
struct LoginState {
    std::string password_hash;  // crypt(3); empty: no static password
    int failures = 0;           // consecutive failures since the last success or lock
    std::int64_t locked_until = 0;
    int lock_level = 0;  // locks since the last success: the next one lasts 2^level periods
};

// Whether a device's logins need more than its certificate, in one cheap read (asked for
// every connecting client).
struct LoginRequirements {
    bool totp_enforced = false;
    bool password = false;
    bool group_requires_totp = false;
};

struct OneTimeCode {
    std::int64_t id = 0;
    std::int64_t device_id = 0;
    std::string device_name;  // filled in by reads
    std::string code_hash;    // SHA-256, lowercase hex
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

}  // namespace warden::model

// TOTP (RFC 6238) through liboath: HMAC-SHA1, 6 digits, 30 s steps, which is what
// FreeOTP, Google Authenticator and Aegis use by default. Pure functions of their inputs
// (the time is a parameter), except new_secret() which draws from OpenSSL's RNG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::core::totp {

inline constexpr unsigned kStepSeconds = 30;
inline constexpr unsigned kDigits = 6;
inline constexpr int kWindow = 1;  // steps accepted on either side of the current one

// 160 random bits (RFC 4226's recommended secret size), base32 without padding.
std::string new_secret();

// otpauth://totp/warden:NAME?secret=SECRET&issuer=warden (NAME percent-encoded), so
// authenticator apps show "warden: NAME".
std::string uri(std::string_view account, std::string_view base32_secret);

// The time step (unix time / 30) whose code equals `code`, searching `window` steps on
// either side of `now`'s step; nullopt when none matches or the input is malformed.
// Codes are compared in constant time.
std::optional<std::int64_t> match(std::string_view base32_secret, std::string_view code,
                                  std::int64_t now, int window = kWindow,
                                  unsigned digits = kDigits);

// The code for unix time `t` (tests and the RFC vectors); nullopt for a malformed secret.
std::optional<std::string> code_at(std::string_view base32_secret, std::int64_t t,
                                   unsigned digits = kDigits);

// Raw secret bytes as base32 (RFC 4648 alphabet, no padding).
std::string base32(std::string_view bytes);

std::int64_t step_of(std::int64_t t);

}  // namespace warden::core::totp

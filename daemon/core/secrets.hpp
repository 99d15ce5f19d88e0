// Login secrets at rest: static passwords as crypt(3) yescrypt hashes (libxcrypt), one-time
// access codes as SHA-256 (they are random and long, a slow hash adds nothing), both
// compared in constant time.
#pragma once

#include <string>
#include <string_view>

namespace warden::core::secrets {

// A yescrypt hash of `password` with a fresh random salt ("$y$...").
std::string hash_password(std::string_view password);
// True when `password` hashes to `hash`; false for an empty or malformed hash.
bool verify_password(std::string_view password, std::string_view hash);

// A new one-time access code: 80 random bits as 16 base32 characters in groups of four
// ("ABCD-EFGH-IJKL-MNOP"), easy to read out and type.
std::string new_access_code();
// SHA-256 of the code as typed, normalized (case, dashes and spaces do not matter),
// lowercase hex.
std::string access_code_hash(std::string_view code);
// Constant-time comparison of two hashes.
bool same_hash(std::string_view a, std::string_view b);

}  // namespace warden::core::secrets

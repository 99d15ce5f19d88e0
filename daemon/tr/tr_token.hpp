// Tokens that release time-restricted access: 160 bits from OpenSSL's RNG as 32 base32
// characters (URL-safe, readable out loud), stored only as SHA-256 so the database never
// holds one that could be confirmed.
#pragma once

#include <string>
#include <string_view>

namespace warden::tr {

inline constexpr std::size_t kTokenBytes = 20;  // >= 128 bits (SPEC §4)
inline constexpr std::size_t kTokenChars = 32;  // base32 of kTokenBytes

// A new token (RAND_bytes; throws if the RNG fails: no token is better than a weak one).
std::string new_token();
// Whether `text` can be a token at all (case and dashes do not matter): anything else is
// refused without a look-up.
bool well_formed(std::string_view text);
// SHA-256 of the normalized token, lowercase hex: the key it is stored and found under.
std::string token_hash(std::string_view text);

}  // namespace warden::tr

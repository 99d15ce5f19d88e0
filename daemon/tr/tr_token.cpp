#include "daemon/tr/tr_token.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "daemon/core/secrets.hpp"
#include "daemon/core/totp.hpp"

namespace warden::tr {

std::string new_token() {
    unsigned char raw[kTokenBytes];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    std::string text =
        core::totp::base32(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
    OPENSSL_cleanse(raw, sizeof raw);
    return text;
}

bool well_formed(std::string_view text) {
    std::size_t chars = 0;
    for (char c : text) {
        if (c == '-') continue;
        const bool base32 =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
        if (!base32) return false;
        ++chars;
    }
    return chars == kTokenChars;
}

// The same normalization and digest as one-time access codes (core/secrets.hpp).
std::string token_hash(std::string_view text) {
    return core::secrets::access_code_hash(text);
}

}  // namespace warden::tr

// Arbitrary text as a time-restricted access token (`tr confirm TOKEN`, GET/POST /tr/TOKEN):
// refused or hashed, never a crash; whatever is accepted hashes to 64 lowercase hex digits,
// and two spellings of one token (case, dashes) hash alike.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/tr/tr_token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (!warden::tr::well_formed(text)) return 0;
    const std::string hash = warden::tr::token_hash(text);
    if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
        __builtin_trap();
    std::string lower(text);
    for (char& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (warden::tr::token_hash(lower) != hash) __builtin_trap();
    return 0;
}

// Arbitrary bytes as a client's password field (SCRV1 or plain) and as a duration: a
// result or a refusal, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/core/credentials.hpp"
#include "daemon/core/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto c = warden::core::parse_credentials(input)) {
        // What comes out is bounded and free of control characters.
        if (c->password.size() > 1024 || c->code.size() > 1024) __builtin_trap();
        for (char ch : c->password + c->code)
            if (static_cast<unsigned char>(ch) < 0x20) __builtin_trap();
    }
    if (auto d = warden::core::parse_duration(input)) {
        if (*d <= 0) __builtin_trap();
        if (warden::core::parse_duration(warden::core::exact_duration(*d)) != d) __builtin_trap();
    }
    return 0;
}

// Arbitrary bytes as a client's real address (status 3's column, env values): a canonical
// form or a refusal, never a crash; canonical forms are fixed points.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto e = warden::endpoint::normalize(input)) {
        if (warden::endpoint::normalize(*e) != e) __builtin_trap();
        if (!warden::endpoint::matches(*e, *e)) __builtin_trap();
    }
    const std::string r = warden::endpoint::reported(input);
    if (r != input && warden::endpoint::reported(r) != r) __builtin_trap();
    const auto colon = input.find(',');
    if (colon != std::string_view::npos)
        (void)warden::endpoint::make(input.substr(0, colon), input.substr(colon + 1));
    return 0;
}

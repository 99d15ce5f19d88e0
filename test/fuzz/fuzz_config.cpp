// Arbitrary text as wardend.conf: a config or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto result =
        warden::core::parse_config(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!result.config && result.error.empty()) __builtin_trap();
    if (result.config) (void)warden::core::render_config(*result.config);
    return 0;
}

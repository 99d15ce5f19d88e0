// Arbitrary bytes as an activity entry's actor, action, object and details (split at
// NUL): the syslog line has no control byte and exactly six fields outside quotes (seven
// with truncated=1), so no value forges a field or a line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/activity_syslog_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string parts[4];
    for (auto& part : parts) {
        const std::size_t cut = std::min(in.find('\0'), in.size());
        part = std::string(in.substr(0, cut));
        in.remove_prefix(std::min(cut + 1, in.size()));
    }
    const std::string line =
        warden::core::activity_syslog_message({1, 0, parts[0], parts[1], parts[2], parts[3]});
    int separators = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c < 0x20 || c == 0x7f) __builtin_trap();
        if (quoted && c == '\\') {
            ++i;  // the escaped byte
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ' ' && !quoted) {
            ++separators;
        }
    }
    const bool truncated =
        line.size() > 12 && line.compare(line.size() - 12, 12, " truncated=1") == 0;
    if (quoted || separators != (truncated ? 7 : 6)) __builtin_trap();
    return 0;
}

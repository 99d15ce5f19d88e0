// Port lists from `rule add --ports`: never crash; an accepted list is sorted, merged,
// within 1..65535, and its canonical text parses back to the same ranges.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/firewall/ports.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace warden::firewall;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_ports(text);
    if (!parsed.ok()) {
        if (!parsed.ranges.empty() || parsed.error.rfind("ports: ", 0) != 0) __builtin_trap();
        return 0;
    }
    if (parsed.ranges.empty() || parsed.ranges.size() > kMaxPortEntries) __builtin_trap();
    for (std::size_t i = 0; i < parsed.ranges.size(); ++i) {
        const auto& r = parsed.ranges[i];
        if (r.first < 1 || r.last < r.first) __builtin_trap();
        // Merged: a gap of at least one port between neighbours.
        if (i > 0 && std::uint32_t{parsed.ranges[i - 1].last} + 1 >= r.first) __builtin_trap();
    }
    const auto again = parse_ports(format_ports(parsed.ranges));
    if (!again.ok() || again.ranges != parsed.ranges) __builtin_trap();
    return 0;
}

// Port lists of communication rules: "80,443,1000-2000" (SPEC §13). The parser reads
// admin input, so it is strict (no spaces, no zero, no reversed ranges) and bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::firewall {

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool operator==(const PortRange&) const = default;
};

inline constexpr std::size_t kMaxPortEntries = 64;
inline constexpr std::size_t kMaxPortsText = 1024;

struct PortsResult {
    std::vector<PortRange> ranges;  // sorted, overlapping and adjacent ranges merged
    std::string error;              // "ports: ..." when the text is invalid
    bool ok() const { return error.empty(); }
};

PortsResult parse_ports(std::string_view text);

// Canonical text of merged ranges: "80,443,1000-2000" (parse_ports(format) round-trips).
std::string format_ports(const std::vector<PortRange>& ranges);

// Sorts and merges overlapping or adjacent ranges.
std::vector<PortRange> merge_ranges(std::vector<PortRange> ranges);

}  // namespace warden::firewall

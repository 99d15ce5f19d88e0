#include "daemon/firewall/ports.hpp"

#include <algorithm>
#include <charconv>

namespace warden::firewall {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    if (value < 1 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::string describe(std::string_view entry) {
    return "ports: \"" + std::string(entry.substr(0, 32)) + "\"";
}

}  // namespace

std::vector<PortRange> merge_ranges(std::vector<PortRange> ranges) {
    std::sort(ranges.begin(), ranges.end(), [](const PortRange& a, const PortRange& b) {
        return a.first != b.first ? a.first < b.first : a.last < b.last;
    });
    std::vector<PortRange> out;
    for (const auto& r : ranges) {
        // Adjacent ranges merge too (80-89,90 -> 80-90): one element instead of two.
        if (!out.empty() && std::uint32_t{r.first} <= std::uint32_t{out.back().last} + 1)
            out.back().last = std::max(out.back().last, r.last);
        else
            out.push_back(r);
    }
    return out;
}

PortsResult parse_ports(std::string_view text) {
    PortsResult result;
    if (text.empty()) return {{}, "ports: must not be empty (leave --ports out for any port)"};
    if (text.size() > kMaxPortsText) return {{}, "ports: list too long"};
    std::vector<PortRange> ranges;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view entry = text.substr(start, comma - start);
        if (ranges.size() == kMaxPortEntries)
            return {{}, "ports: more than " + std::to_string(kMaxPortEntries) + " entries"};
        const std::size_t dash = entry.find('-');
        auto first = parse_port(entry.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : parse_port(entry.substr(dash + 1));
        if (!first || !last)
            return {{}, describe(entry) + " is not a port (1-65535) or a range such as 1000-2000"};
        if (*last < *first) return {{}, describe(entry) + " is a reversed range"};
        ranges.push_back({*first, *last});
        start = comma + 1;
    }
    result.ranges = merge_ranges(std::move(ranges));
    return result;
}

std::string format_ports(const std::vector<PortRange>& ranges) {
    std::string out;
    for (const auto& r : ranges) {
        if (!out.empty()) out += ',';
        out += std::to_string(r.first);
        if (r.last != r.first) out += '-' + std::to_string(r.last);
    }
    return out;
}

}  // namespace warden::firewall

#include "daemon/core/net.hpp"

#include <charconv>

namespace warden::net {
namespace {

std::optional<int> prefix_from_mask(std::uint32_t mask) {
    const std::uint32_t inverted = ~mask;
    if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // not contiguous
    int prefix = 0;
    while (prefix < 32 && (mask & (0x80000000u >> prefix))) ++prefix;
    return prefix;
}

}  // namespace

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
    std::uint32_t out = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (text.empty() || text.front() != '.') return std::nullopt;
            text.remove_prefix(1);
        }
        if (text.empty() || text.size() > 1 && text[0] == '0' && text[1] != '.')
            return std::nullopt;
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(
            text.data(), text.data() + std::min<std::size_t>(text.size(), 3), value);
        if (ec != std::errc{} || value > 255) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
        out = (out << 8) | value;
    }
    if (!text.empty()) return std::nullopt;
    return out;
}

std::string format_ipv4(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
           std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

std::string Network::to_string() const {
    return format_ipv4(address) + "/" + std::to_string(prefix);
}

std::optional<Network> parse_network(std::string_view text) {
    const auto sep = text.find_first_of("/ ");
    if (sep == std::string_view::npos) return std::nullopt;
    const auto address = parse_ipv4(text.substr(0, sep));
    const std::string_view rest = text.substr(sep + 1);
    if (!address || rest.empty()) return std::nullopt;
    int prefix = -1;
    if (rest.find('.') != std::string_view::npos) {
        const auto mask = parse_ipv4(rest);
        if (!mask) return std::nullopt;
        const auto p = prefix_from_mask(*mask);
        if (!p) return std::nullopt;
        prefix = *p;
    } else {
        auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), prefix);
        if (ec != std::errc{} || ptr != rest.data() + rest.size() || prefix < 0 || prefix > 32)
            return std::nullopt;
    }
    Network n{*address, prefix};
    if ((n.address & ~n.netmask()) != 0) return std::nullopt;  // host bits set
    return n;
}

}  // namespace warden::net

// IPv4 addresses and networks as the daemon stores and validates them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::net {

std::optional<std::uint32_t> parse_ipv4(std::string_view text);  // host order
std::string format_ipv4(std::uint32_t address);

struct Network {
    std::uint32_t address = 0;  // host order, host bits zero
    int prefix = 0;

    std::uint32_t netmask() const { return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix); }
    std::uint32_t first() const { return address; }
    std::uint32_t last() const { return address | ~netmask(); }
    bool contains(std::uint32_t ip) const { return (ip & netmask()) == address; }
    bool overlaps(const Network& other) const {
        return first() <= other.last() && other.first() <= last();
    }
    std::string to_string() const;  // "10.8.0.0/24"
};

// Accepts "10.8.0.0/24" and "10.8.0.0/255.255.255.0" (also with a space instead of '/').
// Refuses host bits set, non-contiguous masks and anything malformed.
std::optional<Network> parse_network(std::string_view text);

}  // namespace warden::net

#include "daemon/core/device_rules.hpp"

namespace warden::core {
namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
}

bool alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string> check_device_name(std::string_view name) {
    if (name.empty()) return "name: must not be empty";
    if (name.size() > kMaxNameLength)
        return "name: longer than " + std::to_string(kMaxNameLength) + " characters";
    for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "name: contains a control character";
        if (!name_char(c)) return "name: only letters, digits and . _ @ - are allowed";
    }
    if (!alnum(name.front())) return "name: must start with a letter or digit";
    return std::nullopt;
}

std::optional<std::string> check_network(const net::Network& network, const net::Network& pool,
                                         const std::vector<store::Device>& devices,
                                         std::int64_t self_id) {
    if (network.overlaps(pool))
        return "network: " + network.to_string() + " overlaps the VPN pool " + pool.to_string();
    for (const auto& d : devices) {
        if (d.id == self_id || d.network.empty()) continue;
        auto other = net::parse_network(d.network);
        if (other && network.overlaps(*other))
            return "network: " + network.to_string() + " overlaps " + other->to_string() +
                   " of device " + d.name;
    }
    return std::nullopt;
}

}  // namespace warden::core

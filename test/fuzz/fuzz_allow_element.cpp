// @allow_<G> element text as the renderer writes it, read back for the netlink batch:
// never crash; an accepted element is an ordered range of protocols and ports.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/firewall/netlink.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace warden::firewall;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_allow_element(text);
    if (!parsed) return 0;
    if (parsed->proto_first > parsed->proto_last || parsed->port_first > parsed->port_last)
        __builtin_trap();
    return 0;
}

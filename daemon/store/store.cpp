#include "daemon/store/store.hpp"

namespace warden::store {

std::string_view to_string(DeviceType type) {
    return type == DeviceType::Router ? "router" : "pc";
}

std::optional<DeviceType> parse_device_type(std::string_view text) {
    if (text == "router") return DeviceType::Router;
    if (text == "pc") return DeviceType::Pc;
    return std::nullopt;
}

}  // namespace warden::store

#include "daemon/model/records.hpp"

#include <array>
#include <utility>

namespace warden::model {
namespace {

// Each enum's text, as stored in SQLite and printed in replies: one table per enum keeps
// to_string and parse from drifting apart.
template <typename Enum, std::size_t N>
using Names = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Names<DeviceType, 2> kDeviceTypes{
    {{DeviceType::Router, "router"}, {DeviceType::Pc, "pc"}}};
constexpr Names<DeviceState, 4> kDeviceStates{{{DeviceState::Offline, "offline"},
                                               {DeviceState::Online, "online"},
                                               {DeviceState::Deactivated, "deactivated"},
                                               {DeviceState::NoLicense, "no-license"}}};
constexpr Names<Addressing, 2> kAddressings{
    {{Addressing::Direct, "direct"}, {Addressing::Netmap, "netmap"}}};
constexpr Names<ConnectionEvent, 3> kConnectionEvents{{{ConnectionEvent::Connect, "connect"},
                                                       {ConnectionEvent::Disconnect, "disconnect"},
                                                       {ConnectionEvent::Refused, "refused"}}};

template <typename Enum, std::size_t N>
std::string_view name_of(const Names<Enum, N>& names, Enum value) {
    for (const auto& [v, text] : names)
        if (v == value) return text;
    return "unknown";  // not reached: every enumerator is in its table (records_test.cpp)
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const Names<Enum, N>& names, std::string_view text) {
    for (const auto& [v, t] : names)
        if (t == text) return v;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(DeviceType type) {
    return name_of(kDeviceTypes, type);
}
std::optional<DeviceType> parse_device_type(std::string_view text) {
    return value_of(kDeviceTypes, text);
}

std::string_view to_string(DeviceState state) {
    return name_of(kDeviceStates, state);
}
std::optional<DeviceState> parse_device_state(std::string_view text) {
    return value_of(kDeviceStates, text);
}

std::string_view to_string(Addressing addressing) {
    return name_of(kAddressings, addressing);
}
std::optional<Addressing> parse_addressing(std::string_view text) {
    return value_of(kAddressings, text);
}

std::string_view to_string(ConnectionEvent event) {
    return name_of(kConnectionEvents, event);
}
std::optional<ConnectionEvent> parse_connection_event(std::string_view text) {
    return value_of(kConnectionEvents, text);
}

}  // namespace warden::model

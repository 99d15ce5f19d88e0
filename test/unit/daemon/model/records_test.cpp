// The enums' texts are what SQLite holds and what replies print: they must not change
// (existing databases and scripts read them), and each must parse back to its value.
#include <catch2/catch.hpp>

#include "daemon/model/records.hpp"

using namespace warden::model;

namespace {

template <typename Enum, typename Parse>
void check_round_trip(std::initializer_list<std::pair<Enum, std::string_view>> expected,
                      Parse parse) {
    for (const auto& [value, text] : expected) {
        CHECK(to_string(value) == text);
        CHECK(parse(text) == value);
    }
    CHECK_FALSE(parse(""));
    CHECK_FALSE(parse("Online"));  // case matters: the stored text is lower case
}

}  // namespace

TEST_CASE("device types read and print as stored", "[model]") {
    check_round_trip<DeviceType>({{DeviceType::Router, "router"}, {DeviceType::Pc, "pc"}},
                                 parse_device_type);
}

TEST_CASE("device states read and print as stored", "[model]") {
    check_round_trip<DeviceState>({{DeviceState::Offline, "offline"},
                                   {DeviceState::Online, "online"},
                                   {DeviceState::Deactivated, "deactivated"},
                                   {DeviceState::NoLicense, "no-license"}},
                                  parse_device_state);
}

TEST_CASE("addressing reads and prints as stored", "[model]") {
    check_round_trip<Addressing>({{Addressing::Direct, "direct"}, {Addressing::Netmap, "netmap"}},
                                 parse_addressing);
}

TEST_CASE("connection events read and print as stored", "[model]") {
    check_round_trip<ConnectionEvent>({{ConnectionEvent::Connect, "connect"},
                                       {ConnectionEvent::Disconnect, "disconnect"},
                                       {ConnectionEvent::Refused, "refused"}},
                                      parse_connection_event);
}

TEST_CASE("a new record has the defaults the schema gives", "[model]") {
    const Device d;
    CHECK(d.state == DeviceState::Offline);  // schema/001_init.sql: DEFAULT 'offline'
    CHECK(d.addressing == Addressing::Direct);
    CHECK(d.group == "default");
}

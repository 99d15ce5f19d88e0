// The daemon's records: what the store keeps and core/ decides on. Plain values with no
// storage in them, so core/ can use them without linking SQLite (store/store.hpp is the
// interface that reads and writes them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/model/tr.hpp"

namespace warden::model {

enum class DeviceType { Router, Pc };
std::string_view to_string(DeviceType type);
std::optional<DeviceType> parse_device_type(std::string_view text);

// What a device is doing. Online/Offline/Deactivated are stored; NoLicense is only shown
// (core::shown_state: the device holds no valid seat).
enum class DeviceState { Offline, Online, Deactivated, NoLicense };
std::string_view to_string(DeviceState state);
std::optional<DeviceState> parse_device_state(std::string_view text);

// How a router's accessible network is addressed: as it is, or mapped from its real LAN
// (`netmap`, core/netmap.hpp).
enum class Addressing { Direct, Netmap };
std::string_view to_string(Addressing addressing);
std::optional<Addressing> parse_addressing(std::string_view text);

// What a connection-log row records.
enum class ConnectionEvent { Connect, Disconnect, Refused };
std::string_view to_string(ConnectionEvent event);
std::optional<ConnectionEvent> parse_connection_event(std::string_view text);

struct Device {
    std::int64_t id = 0;
    std::string name;
    DeviceType type = DeviceType::Pc;
    std::string group = "default";
    std::string serial_number;
    std::string device_code;
    std::uint32_t vpn_ip = 0;  // host order
    std::string network;       // routers: accessible network, CIDR
    Addressing addressing = Addressing::Direct;
    std::string local_network;
    bool monitor = false;
    std::string email;
    bool active = true;
    DeviceState state = DeviceState::Offline;
    std::int64_t state_since = 0;
    std::int64_t created_at = 0;
};

struct Certificate {
    std::string serial;  // normalized hex
    std::optional<std::int64_t> device_id;
    std::string common_name;
    std::string fingerprint;
    std::int64_t not_before = 0;
    std::int64_t not_after = 0;
    std::string cert_pem;
    std::string key_pem;
    std::optional<std::int64_t> revoked_at;
    std::int64_t created_at = 0;
    // The enrollment CA of a certificate a device brought (model/enroll.hpp; no PEMs
    // then); "" for a certificate warden issued.
    std::string enroll_ca;
};

// A number of seats with an optional expiry (SPEC §6).
struct License {
    std::int64_t id = 0;
    std::string name;
    std::int64_t seats = 0;
    std::int64_t used = 0;  // seats held by devices (kept by the database)
    std::optional<std::int64_t> expires_at;
    std::optional<std::int64_t> expiry_noted_at;  // when wardend ended the sessions it covered
    std::int64_t created_at = 0;
};

// A device's seat: the license it holds (nullopt: none) and since when.
struct DeviceSeat {
    std::int64_t device_id = 0;
    std::optional<License> license;
    std::int64_t since = 0;
};

// Bytes of one device: in one UTC month (yyyymm), or summed (month 0).
struct Traffic {
    std::int64_t device_id = 0;
    int month = 0;
    std::uint64_t bytes_received = 0, bytes_sent = 0;
};

// A certificate with the device it belongs to (absent once the device is deleted) and
// that device's license seat (absent: the device holds none).
struct CertBinding {
    Certificate cert;
    std::optional<Device> device;
    std::optional<License> license;
    // Set for a time-restricted device (model/tr.hpp): connects only while released.
    std::optional<TrGate> time_restriction;
};

// A router's accessible network as stored (CIDR text), for routing.
struct RoutedNetworkRow {
    std::int64_t device_id = 0;
    std::string network;
    std::string group;  // the router's group: pushed routes follow the rules (SPEC §7)
};

struct RevokedSerial {
    std::string serial;
    std::int64_t revoked_at = 0;
};

// The latest expiry among a device's unrevoked certificates (what `device list` flags).
struct CertExpiry {
    std::int64_t device_id = 0;
    std::int64_t not_after = 0;
};

// An offline alert sent for a monitored device's outage (schema/010_availability.sql):
// the recovery alert is due when the device is back.
struct OfflineAlert {
    std::int64_t device_id = 0;
    std::int64_t offline_since = 0;  // when the outage began
    std::int64_t alerted_at = 0;     // when the offline alert went out
};

struct ActivityEntry {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string actor, action, object, details;
};

struct ConnectionEntry {
    std::int64_t id = 0;
    std::int64_t at = 0;
    ConnectionEvent event = ConnectionEvent::Connect;
    std::optional<std::int64_t> device_id;
    std::string device_name, instance, real_address, vpn_ip;
    std::uint64_t bytes_received = 0, bytes_sent = 0;
    std::int64_t duration = 0;
    std::string reason;
};

// A group of devices; rules allow traffic between groups (SPEC §7).
struct Group {
    std::int64_t id = 0;
    std::string name;
    std::int64_t created_at = 0;
    std::size_t devices = 0;  // filled by list_groups
    std::size_t rules = 0;    // rules naming it (from or to), filled by list_groups
};

// Allows new connections from devices of from_group to devices of to_group (and back when
// `both`); the same group twice allows traffic inside it.
struct Rule {
    std::int64_t id = 0;
    std::string from_group, to_group;  // names
    bool both = false;
    std::string proto;  // "" (any), "tcp", "udp", "icmp"
    std::string ports;  // canonical "80,443,1000-2000"; "" = any
    std::int64_t created_at = 0;
};

// What the firewall needs of a device: its addresses and its group.
struct GroupMember {
    std::string device;
    std::string group;
    std::uint32_t vpn_ip = 0;
    std::string network;  // routers: accessible network, CIDR ("" none)
};

}  // namespace warden::model

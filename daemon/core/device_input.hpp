// What an admin sets on a device (device add / edit / copy), applied and validated as a
// pure function of the stored devices: every field is checked and the resulting row is
// checked as a whole before anything is written, and each problem names its field
// ("network: 192.168.1.0/24 overlaps 192.168.0.0/16 of device r2").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

// Absent: unchanged (edit), inherited (copy) or the default (add). An empty string
// clears an optional field: `network ""` makes a router's network and netmap go away.
struct DeviceFields {
    std::optional<std::string> name, type, group, serial, code, network, netmap, email;
    std::optional<std::string> key_password;
    std::optional<bool> monitor;
};

// A device row plus its key password, which the store keeps beside (not in) Device.
struct DeviceDraft {
    store::Device device;
    std::string key_password;
    std::string license;  // whose seat it takes; empty: one of `default` while free
};

struct DeviceContext {
    net::Network pool;
    const std::vector<store::Device>& devices;  // every stored device
    std::function<bool(std::string_view)> group_exists;
};

inline constexpr std::size_t kMaxTextLength = 64;        // serial, device code
inline constexpr std::size_t kMaxEmailLength = 254;      // RFC 5321 path limit
inline constexpr std::size_t kMinKeyPasswordLength = 4;  // what OpenSSL's tools accept
inline constexpr std::size_t kMaxKeyPasswordLength = 1024;

// Applies `fields` to `draft` (a preset for add and copy, the stored row for edit: its id
// is skipped when looking for duplicates and overlaps). Returns the first problem.
std::optional<std::string> apply_device_fields(const DeviceFields& fields,
                                               const DeviceContext& context, DeviceDraft& draft);

}  // namespace warden::core

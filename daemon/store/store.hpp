// The daemon's persistent state behind one interface. SqliteStore is the implementation;
// test/unit/daemon/store/contract_test.cpp is the contract every implementation passes.
//
// Expected outcomes (not found, duplicate) are return values; exceptions mean the
// unexpected (I/O error, corrupt database) and are caught at the daemon's boundaries.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/store/two_factor.hpp"

namespace warden::store {

enum class DeviceType { Router, Pc };
std::string_view to_string(DeviceType type);
std::optional<DeviceType> parse_device_type(std::string_view text);

struct Device {
    std::int64_t id = 0;
    std::string name;
    DeviceType type = DeviceType::Pc;
    std::string group = "default";
    std::string serial_number;
    std::string device_code;
    std::uint32_t vpn_ip = 0;  // host order
    std::string network;       // routers: accessible network, CIDR
    std::string addressing = "direct";
    std::string local_network;
    bool monitor = false;
    std::string email;
    bool active = true;
    std::string state = "offline";
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

struct ActivityEntry {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string actor, action, object, details;
};

struct ConnectionEntry {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string event;  // connect | disconnect | refused
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

enum class Status { Ok, NotFound, Duplicate, Invalid };

struct Outcome {
    Status status = Status::Ok;
    std::string message;
    bool ok() const { return status == Status::Ok; }
    static Outcome success() { return {}; }
    static Outcome fail(Status s, std::string m) { return {s, std::move(m)}; }
};

class Store {
  public:
    virtual ~Store() = default;

    // Runs `fn` in one transaction: every change it makes is kept, or none.
    virtual void transaction(const std::function<void()>& fn) = 0;

    // Devices. add_device fills in `device.id`; the group must exist.
    virtual Outcome add_device(Device& device) = 0;
    virtual std::optional<Device> find_device(std::string_view name) = 0;
    virtual std::optional<Device> find_device(std::int64_t id) = 0;
    virtual std::vector<Device> list_devices() = 0;
    virtual std::size_t device_count() = 0;
    virtual Outcome update_device(const Device& device) = 0;
    // Only state and since: safe beside concurrent edits of the other columns.
    virtual void set_device_state(std::int64_t id, std::string_view state, std::int64_t since) = 0;
    // Deletes the device and revokes its certificates (they stay listed for the CRL).
    virtual Outcome delete_device(std::string_view name, std::int64_t now) = 0;
    // A free address in [first, last]: one past the highest in use, or the lowest gap once
    // the end is reached (recently freed addresses are not handed out again at once).
    virtual std::optional<std::uint32_t> free_vpn_ip(std::uint32_t first, std::uint32_t last) = 0;
    virtual bool group_exists(std::string_view name) = 0;
    // Every device with an accessible network (routers), in device id order.
    virtual std::vector<RoutedNetworkRow> routed_networks() = 0;

    // Device management (sqlite_store_devices.cpp). The key password is a secret: read
    // only to encrypt an exported key, never listed; "" clears it / means none.
    virtual Outcome set_key_password(std::int64_t device_id, std::string_view password) = 0;
    virtual std::string key_password(std::int64_t device_id) = 0;
    // Sets active and the state ("deactivated", or "offline" again) with its since; refuses
    // (Invalid) when the device already is in that condition.
    virtual Outcome set_device_active(std::int64_t id, bool active, std::int64_t since) = 0;
    virtual std::vector<CertExpiry> certificate_expiry() = 0;  // by device id

    // Certificates. certificates_of lists them in issue order, newest last.
    virtual Outcome add_certificate(const Certificate& cert) = 0;
    virtual std::vector<Certificate> certificates_of(std::int64_t device_id) = 0;
    virtual std::optional<CertBinding> find_by_serial(std::string_view serial) = 0;
    // Every certificate without its PEMs, common name and fingerprint (the verdict index).
    virtual std::vector<Certificate> certificate_summaries() = 0;
    // Whether an unrevoked certificate valid at `now` has this common name.
    virtual bool common_name_in_use(std::string_view common_name, std::int64_t now) = 0;
    virtual Outcome revoke_certificate(std::string_view serial, std::int64_t now) = 0;
    virtual std::vector<RevokedSerial> revoked_serials() = 0;

    // Groups and rules. add_group/add_rule fill in the id. delete_group refuses a group
    // that devices or rules still use, and the default group.
    virtual Outcome add_group(Group& group) = 0;
    virtual std::vector<Group> list_groups() = 0;  // by name
    virtual Outcome delete_group(std::string_view name) = 0;
    virtual Outcome add_rule(Rule& rule) = 0;
    virtual std::vector<Rule> list_rules() = 0;                            // by id
    virtual std::vector<Rule> rules_of_group(std::string_view group) = 0;  // from or to it
    virtual std::vector<GroupMember> group_members() = 0;  // every device, by VPN IP
    virtual Outcome delete_rule(std::int64_t id) = 0;

    // Logs.
    virtual void log_activity(const ActivityEntry& entry) = 0;
    virtual std::vector<ActivityEntry> activity(std::int64_t since, std::size_t limit) = 0;
    virtual void log_connection(const ConnectionEntry& entry) = 0;
    virtual std::vector<ConnectionEntry> connections(std::optional<std::int64_t> device_id,
                                                     std::size_t limit) = 0;

    // Two-factor authentication (sqlite_store_two_factor.cpp).
    virtual LoginRequirements login_requirements(std::int64_t device_id) = 0;
    // login_requirements of every device that needs anything (the verdict index).
    virtual std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements() = 0;
    virtual std::optional<Totp> find_totp(std::int64_t device_id) = 0;
    virtual void put_totp(const Totp& totp) = 0;  // insert or replace
    virtual bool delete_totp(std::int64_t device_id) = 0;
    // Records `step` as the last accepted one unless a step >= it was accepted before
    // (returns false then: a replay). Atomic, so two logins cannot both use one code.
    virtual bool advance_totp_step(std::int64_t device_id, std::int64_t step) = 0;
    virtual LoginState login_state(std::int64_t device_id) = 0;
    virtual void set_password_hash(std::int64_t device_id, std::string_view hash) = 0;
    // lock_level: locks since the last successful login (escalation, see core/login.hpp).
    virtual void set_login_failures(std::int64_t device_id, int failures, std::int64_t locked_until,
                                    int lock_level) = 0;
    virtual std::optional<bool> group_requires_totp(
        std::string_view group) = 0;  // nullopt: no group
    virtual Outcome set_group_requires_totp(std::string_view group, bool required) = 0;
    virtual void add_one_time_code(OneTimeCode& code) = 0;  // fills in code.id
    // All codes (used and expired too) of one device, or of every device; newest first.
    virtual std::vector<OneTimeCode> one_time_codes(std::optional<std::int64_t> device_id) = 0;
    // Marks the code used if it is neither used nor expired at `now`; false otherwise.
    virtual bool use_one_time_code(std::int64_t id, std::int64_t now) = 0;
    virtual Outcome delete_one_time_code(std::int64_t id) = 0;
    // auth-gen-token sessions whose second factor was checked; rows older than
    // `expire_before` are dropped on every add.
    virtual void add_token_session(std::string_view session_id, std::int64_t device_id,
                                   std::int64_t now, std::int64_t expire_before) = 0;
    virtual std::optional<std::int64_t> token_session_device(std::string_view session_id) = 0;
    virtual void drop_token_sessions(std::int64_t device_id) = 0;
    // Licenses (sqlite_store_licenses.cpp). A new device takes a seat of `default` while
    // one is free (schema 003 trigger). Seats are checked by the database: assigning a
    // full license is Invalid "license: ...".
    virtual Outcome add_license(License& license) = 0;
    virtual std::optional<License> find_license(std::string_view name) = 0;
    virtual std::vector<License> list_licenses() = 0;
    virtual Outcome set_license_seats(std::string_view name, std::int64_t seats) = 0;
    virtual Outcome assign_license(std::int64_t device_id, std::string_view license,
                                   std::int64_t now) = 0;
    virtual Outcome unassign_license(std::int64_t device_id, std::int64_t now) = 0;
    virtual DeviceSeat seat_of(std::int64_t device_id) = 0;
    virtual std::vector<DeviceSeat> device_seats() = 0;
    virtual std::vector<std::int64_t> devices_with_license(std::int64_t license_id) = 0;
    virtual void note_license_expiry(std::int64_t license_id, std::int64_t now) = 0;

    // Traffic and logs (sqlite_store_usage.cpp). Months are UTC yyyymm.
    virtual void add_traffic(const Traffic& traffic) = 0;
    // Per device: bytes in `month`, in `previous`, and in total (month 0), in that order.
    virtual std::vector<Traffic> traffic_of(std::int64_t device_id) = 0;
    virtual std::vector<std::array<Traffic, 3>> traffic_summary(int month, int previous) = 0;
    virtual std::vector<ActivityEntry> activity_for(std::string_view object, std::int64_t since,
                                                    std::size_t limit) = 0;
    // Online backup (SQLite backup API) to `path`, which must not exist.
    virtual Outcome backup(const std::string& path) = 0;

    virtual int schema_version() = 0;
    virtual std::string integrity_check() = 0;
};

struct OpenResult {
    std::unique_ptr<Store> store;
    std::string error;  // set when the store could not be opened (e.g. newer schema)
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode and applies
// pending migrations. Refuses a database whose schema is newer than this build knows.
OpenResult open_sqlite(const std::string& path);

}  // namespace warden::store

// What a verdict needs, in memory: certificate serial -> device, the device's facts
// (active, address, group, network), its license seat, whether its logins need
// credentials, and the routes its group is pushed. Built from the store at start and
// reloaded by the daemon's after-write hook before a write command replies, so a
// verdict never reads SQLite for these and never sees a state older than the last
// committed change.
//
// Compact on purpose (SPEC: wardend <= 100 MB RSS with 100 000 devices): no PEMs, no
// e-mail or device codes, licenses held once and referenced by id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "daemon/core/enrollment.hpp"
#include "daemon/core/routing.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

class VerdictIndex final : public EnrollmentView {
  public:
    // Parts of the index, reloaded separately (a rule change need not read 100 000
    // devices again).
    enum Part : unsigned {
        kDevices = 1u << 0,          // device rows (and with them seats and login requirements)
        kCertificates = 1u << 1,     // serial -> device, validity, revocation
        kLicenses = 1u << 2,         // license rows and seats
        kLogins = 1u << 3,           // who needs credentials (TOTP, passwords, group rule)
        kRoutes = 1u << 4,           // routers' networks and the rules
        kTimeRestriction = 1u << 5,  // TR devices and their releases (tr.*)
        kEnrollment = 1u << 6,       // enrollment CAs, rejected fingerprints
        kAll = kDevices | kCertificates | kLicenses | kLogins | kRoutes | kTimeRestriction |
               kEnrollment,
    };

    // Which parts a successful admin write command can change (every part when unsure).
    static unsigned parts_changed_by(std::string_view command);

    // Reads `parts` from the store again.
    void reload(store::Store& store, unsigned parts = kAll);

    // What store::Store::find_by_serial says for a normalized serial, without the PEMs
    // and the device columns verdicts do not use.
    std::optional<store::CertBinding> binding(std::string_view serial) const;
    store::LoginRequirements login_requirements(std::int64_t device_id) const;
    // The networks routes are pushed for to devices of `group` (the rules decide).
    const std::vector<RoutedNetwork>& reachable(const std::string& group) const;

    // EnrollmentView
    std::optional<std::string> listed_ca(
        const std::vector<std::string>& chain_fingerprints) const override;
    bool ca_listed(std::string_view name) const override;
    bool rejected(std::string_view fingerprint) const override;

    std::size_t device_count() const { return devices_.size(); }
    std::size_t certificate_count() const { return certs_.size(); }

  private:
    using Digest = std::array<std::uint8_t, 32>;  // SHA-256 (a hex string is 3x larger)
    struct CertFacts {
        Digest fingerprint{};
        std::uint16_t enroll_ca = 0;  // index into enroll_ca_names_ + 1; 0: warden's own
        std::optional<std::int64_t> device_id;
        std::int64_t not_before = 0;
        std::int64_t not_after = 0;
        std::optional<std::int64_t> revoked_at;
    };
    // A device as verdicts, logins and routes need it: ~100 bytes instead of a Device's
    // ~350 (group names are interned: few distinct values among 100 000).
    struct DeviceFacts {
        std::string name;
        std::string network;
        std::string local_network;
        std::uint32_t vpn_ip = 0;
        std::uint16_t group = 0;  // index into names_
        store::Addressing addressing = store::Addressing::Direct;
        store::DeviceType type = store::DeviceType::Pc;
        bool active = true;
        bool monitor = false;
        store::LoginRequirements login;
        std::int64_t license_id = 0;  // 0: no seat
    };

    std::uint16_t intern(const std::string& text);
    store::Device device_of(std::int64_t id, const DeviceFacts& facts) const;

    void load_devices(store::Store& store);
    void load_certificates(store::Store& store);
    void load_seats(store::Store& store);
    void load_logins(store::Store& store);
    void load_routes(store::Store& store);
    void load_time_restrictions(store::Store& store);
    void load_enrollment(store::Store& store);

    std::unordered_map<std::string, CertFacts> certs_;
    std::unordered_map<std::int64_t, DeviceFacts> devices_;
    std::unordered_map<std::int64_t, store::License> licenses_;
    std::vector<std::string> names_;  // interned group names
    std::unordered_map<std::string, std::uint16_t> name_ids_;
    std::vector<store::RoutedNetworkRow> routed_;
    std::vector<store::Rule> rules_;
    // Time-restricted devices only (few among many): device id -> its release's end.
    std::unordered_map<std::int64_t, store::TrGate> time_restricted_;
    mutable std::unordered_map<std::string, std::vector<RoutedNetwork>> reachable_;  // by group
    std::vector<std::string> enroll_ca_names_;  // CertFacts::enroll_ca, as seen in certificates
    std::unordered_map<std::string, std::string> listed_cas_;  // CA fingerprint -> name
    std::unordered_set<std::string> rejected_;                 // fingerprints
};

}  // namespace warden::core

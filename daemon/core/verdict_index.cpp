#include "daemon/core/verdict_index.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "common/text.hpp"
#include "daemon/core/reach.hpp"

namespace warden::core {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Zeros when `text` is no SHA-256 fingerprint (then it matches no client's).
std::array<std::uint8_t, 32> digest_of(std::string_view text) {
    std::array<std::uint8_t, 32> out{};
    const std::string normalized = text::normalize_fingerprint(text);
    if (normalized.empty()) return out;
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(hex_value(normalized[i * 3]) * 16 +
                                           hex_value(normalized[i * 3 + 1]));
    return out;
}

std::string text_of(const std::array<std::uint8_t, 32>& digest) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    if (digest == std::array<std::uint8_t, 32>{}) return {};
    std::string out;
    out.reserve(digest.size() * 3);
    for (std::uint8_t b : digest) {
        if (!out.empty()) out.push_back(':');
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
    }
    return out;
}

}  // namespace

unsigned VerdictIndex::parts_changed_by(std::string_view command) {
    struct Family {
        std::string_view prefix;
        unsigned parts;
    };
    // Commands that write none of what the index holds, or only some of it. Anything
    // not listed (device.*, cert.*, and commands added later) reloads everything.
    static constexpr std::array<Family, 20> kFamilies = {{
        {"cert.", kCertificates},
        {"enroll.", kEnrollment | kCertificates},  // a CA's accepted devices
        {"pending.reject", kEnrollment},
        {"rejected.", kEnrollment},
        {"device.reset-auth", kCertificates},
        // The active flag (and the state beside it); inactive routers route nothing.
        {"device.activate", kDevices | kRoutes},
        {"device.deactivate", kDevices | kRoutes},
        {"rule.", kRoutes},
        {"group.require-totp", kLogins},
        {"group.", kRoutes},  // add/delete: no device can be in a group being added/deleted
        {"totp.", kLogins},
        {"device.password", kLogins},
        {"license.", kLicenses},
        {"otp.", 0},  // one-time codes are read at login, from the store
        {"session.", 0},
        {"vpn.", 0},
        {"testing.", 0},  // the clock: verdicts compare with the time they are asked at
        {"backup", 0},
        {"tr.send", 0},  // a mail and its token: read at confirm, from the store
        {"tr.", kTimeRestriction},
    }};
    for (const auto& f : kFamilies)
        if (starts_with(command, f.prefix)) return f.parts;
    if (starts_with(command, "pki.")) return 0;  // the server certificate, not clients'
    return kAll;
}

void VerdictIndex::reload(store::Store& store, unsigned parts) {
    if (parts & kDevices) load_devices(store);
    if (parts & kCertificates) load_certificates(store);
    if (parts & (kDevices | kLicenses)) load_seats(store);
    if (parts & (kDevices | kLogins)) load_logins(store);
    if (parts & (kDevices | kRoutes)) load_routes(store);
    if (parts & kTimeRestriction) load_time_restrictions(store);
    if (parts & kEnrollment) load_enrollment(store);
}

void VerdictIndex::load_enrollment(store::Store& store) {
    std::unordered_map<std::string, std::string> cas;
    for (auto& ca : store.enroll_cas())
        cas.emplace(text::normalize_fingerprint(ca.fingerprint), std::move(ca.name));
    std::unordered_set<std::string> rejected;
    for (auto& r : store.rejected_certs()) rejected.insert(std::move(r.cert.fingerprint));
    listed_cas_ = std::move(cas);
    rejected_ = std::move(rejected);
}

std::optional<std::string> VerdictIndex::listed_ca(
    const std::vector<std::string>& chain_fingerprints) const {
    for (const auto& fingerprint : chain_fingerprints)
        if (auto it = listed_cas_.find(fingerprint); it != listed_cas_.end()) return it->second;
    return std::nullopt;
}

bool VerdictIndex::ca_listed(std::string_view name) const {
    for (const auto& [fingerprint, listed] : listed_cas_)
        if (listed == name) return true;
    return false;
}

bool VerdictIndex::rejected(std::string_view fingerprint) const {
    return rejected_.count(std::string(fingerprint)) > 0;
}

void VerdictIndex::load_time_restrictions(store::Store& store) {
    std::unordered_map<std::int64_t, store::TrGate> restricted;
    for (const auto& t : store.all_tr_settings())
        restricted.emplace(t.device_id, store::TrGate{t.released_until});
    time_restricted_ = std::move(restricted);
}

void VerdictIndex::load_devices(store::Store& store) {
    std::unordered_map<std::int64_t, DeviceFacts> devices;
    auto list = store.list_devices();
    devices.reserve(list.size());
    for (auto& d : list) {
        DeviceFacts f;
        f.name = std::move(d.name);
        f.network = std::move(d.network);
        f.local_network = std::move(d.local_network);
        f.vpn_ip = d.vpn_ip;
        f.group = intern(d.group);
        f.addressing = d.addressing;
        f.type = d.type;
        f.active = d.active;
        f.monitor = d.monitor;
        devices.emplace(d.id, std::move(f));
    }
    devices_ = std::move(devices);
}

// Group and addressing names: a handful of distinct values, stored once. Names of
// deleted groups stay until the daemon restarts (a few bytes each).
std::uint16_t VerdictIndex::intern(const std::string& text) {
    if (auto it = name_ids_.find(text); it != name_ids_.end()) return it->second;
    if (names_.size() >= 0xffff) throw std::runtime_error("verdict index: too many group names");
    names_.push_back(text);
    const auto id = static_cast<std::uint16_t>(names_.size() - 1);
    name_ids_.emplace(text, id);
    return id;
}

store::Device VerdictIndex::device_of(std::int64_t id, const DeviceFacts& f) const {
    store::Device d;
    d.id = id;
    d.name = f.name;
    d.type = f.type;
    d.group = names_[f.group];
    d.vpn_ip = f.vpn_ip;
    d.network = f.network;
    d.addressing = f.addressing;
    d.local_network = f.local_network;
    d.monitor = f.monitor;
    d.active = f.active;
    d.state = store::DeviceState::Offline;  // not kept: verdicts do not read it
    return d;
}

void VerdictIndex::load_certificates(store::Store& store) {
    std::unordered_map<std::string, CertFacts> certs;
    std::vector<std::string> ca_names;
    auto summaries = store.certificate_summaries();
    certs.reserve(summaries.size());
    for (auto& c : summaries) {
        std::uint16_t ca = 0;
        if (!c.enroll_ca.empty()) {
            auto it = std::find(ca_names.begin(), ca_names.end(), c.enroll_ca);
            if (it == ca_names.end()) it = ca_names.insert(ca_names.end(), c.enroll_ca);
            ca = static_cast<std::uint16_t>(it - ca_names.begin() + 1);
        }
        certs.emplace(std::move(c.serial), CertFacts{digest_of(c.fingerprint), ca, c.device_id,
                                                     c.not_before, c.not_after, c.revoked_at});
    }
    certs_ = std::move(certs);
    enroll_ca_names_ = std::move(ca_names);
}

void VerdictIndex::load_seats(store::Store& store) {
    licenses_.clear();
    for (auto& d : devices_) d.second.license_id = 0;
    for (auto& l : store.list_licenses()) {
        l.name.clear();  // only the expiry matters to a verdict
        licenses_.emplace(l.id, std::move(l));
    }
    for (const auto& seat : store.device_seats()) {
        auto it = devices_.find(seat.device_id);
        if (it != devices_.end() && seat.license) it->second.license_id = seat.license->id;
    }
}

void VerdictIndex::load_logins(store::Store& store) {
    for (auto& d : devices_) d.second.login = {};
    for (const auto& [id, login] : store.all_login_requirements()) {
        auto it = devices_.find(id);
        if (it != devices_.end()) it->second.login = login;
    }
}

void VerdictIndex::load_routes(store::Store& store) {
    routed_ = store.routed_networks();
    rules_ = store.list_rules();
    reachable_.clear();
}

std::optional<store::CertBinding> VerdictIndex::binding(std::string_view serial) const {
    const auto cert = certs_.find(std::string(serial));
    if (cert == certs_.end()) return std::nullopt;
    store::CertBinding out;
    out.cert.serial = std::string(serial);
    out.cert.device_id = cert->second.device_id;
    out.cert.not_before = cert->second.not_before;
    out.cert.not_after = cert->second.not_after;
    out.cert.revoked_at = cert->second.revoked_at;
    out.cert.fingerprint = text_of(cert->second.fingerprint);
    if (cert->second.enroll_ca != 0)
        out.cert.enroll_ca = enroll_ca_names_[cert->second.enroll_ca - 1];
    if (!cert->second.device_id) return out;
    const auto device = devices_.find(*cert->second.device_id);
    if (device == devices_.end()) return out;
    out.device = device_of(device->first, device->second);
    if (const auto id = device->second.license_id; id != 0) {
        if (auto license = licenses_.find(id); license != licenses_.end())
            out.license = license->second;
    }
    if (auto tr = time_restricted_.find(device->first); tr != time_restricted_.end())
        out.time_restriction = tr->second;
    return out;
}

store::LoginRequirements VerdictIndex::login_requirements(std::int64_t device_id) const {
    const auto it = devices_.find(device_id);
    return it == devices_.end() ? store::LoginRequirements{} : it->second.login;
}

const std::vector<RoutedNetwork>& VerdictIndex::reachable(const std::string& group) const {
    auto it = reachable_.find(group);
    if (it == reachable_.end()) {
        std::vector<store::Rule> of_group;
        for (const auto& r : rules_)
            if (r.from_group == group || r.to_group == group) of_group.push_back(r);
        it =
            reachable_.emplace(group, routed_networks(reachable_networks(group, routed_, of_group)))
                .first;
    }
    return it->second;
}

}  // namespace warden::core

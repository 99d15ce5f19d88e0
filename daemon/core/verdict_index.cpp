#include "daemon/core/verdict_index.hpp"

#include <array>

#include "daemon/core/reach.hpp"

namespace warden::core {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Columns no verdict, login or route reads: dropped so 100 000 devices stay small.
store::Device compact(store::Device d) {
    d.serial_number = {};
    d.device_code = {};
    d.email = {};
    d.state = {};
    d.name.shrink_to_fit();
    d.group.shrink_to_fit();
    return d;
}

}  // namespace

unsigned VerdictIndex::parts_changed_by(std::string_view command) {
    struct Family {
        std::string_view prefix;
        unsigned parts;
    };
    // Commands that write none of what the index holds, or only some of it. Anything
    // not listed (device.*, cert.*, and commands added later) reloads everything.
    static constexpr std::array<Family, 14> kFamilies = {{
        {"cert.", kCertificates},
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
}

void VerdictIndex::load_devices(store::Store& store) {
    std::unordered_map<std::int64_t, DeviceFacts> devices;
    auto list = store.list_devices();
    devices.reserve(list.size());
    for (auto& d : list) {
        const std::int64_t id = d.id;
        devices.emplace(id, DeviceFacts{compact(std::move(d)), std::nullopt, {}});
    }
    devices_ = std::move(devices);
}

void VerdictIndex::load_certificates(store::Store& store) {
    std::unordered_map<std::string, CertFacts> certs;
    auto summaries = store.certificate_summaries();
    certs.reserve(summaries.size());
    for (auto& c : summaries)
        certs.emplace(std::move(c.serial),
                      CertFacts{c.device_id, c.not_before, c.not_after, c.revoked_at});
    certs_ = std::move(certs);
}

void VerdictIndex::load_seats(store::Store& store) {
    licenses_.clear();
    for (auto& d : devices_) d.second.license_id.reset();
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
    if (!cert->second.device_id) return out;
    const auto device = devices_.find(*cert->second.device_id);
    if (device == devices_.end()) return out;
    out.device = device->second.device;
    if (const auto& id = device->second.license_id) {
        if (auto license = licenses_.find(*id); license != licenses_.end())
            out.license = license->second;
    }
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

// device.add / list / show / delete / export, and what the device family shares.
#include <algorithm>
#include <map>

#include "common/log.hpp"
#include "daemon/control/device_commands.hpp"
#include "daemon/control/device_extras.hpp"
#include "daemon/control/notices.hpp"
#include "daemon/core/cert_names.hpp"
#include "daemon/core/net.hpp"
#include "daemon/core/netmap.hpp"
#include "daemon/core/profile.hpp"
#include "daemon/pki/pki.hpp"

namespace warden::control {

std::vector<ArgSpec> device_field_args() {
    return {{"group", ArgType::String},  {"serial", ArgType::String},
            {"code", ArgType::String},   {"network", ArgType::String},
            {"netmap", ArgType::String}, {"email", ArgType::String},
            {"monitor", ArgType::Bool},  {"key_password", ArgType::String}};
}

core::DeviceFields device_fields(const Args& args) {
    core::DeviceFields f;
    f.group = args.opt_str("group");
    f.serial = args.opt_str("serial");
    f.code = args.opt_str("code");
    f.network = args.opt_str("network");
    f.netmap = args.opt_str("netmap");
    f.email = args.opt_str("email");
    f.key_password = args.opt_str("key_password");
    if (args.has("monitor")) f.monitor = args.flag("monitor");
    return f;
}

std::optional<std::string> apply_fields(const core::DeviceFields& fields, Services& s,
                                        core::DeviceDraft& draft) {
    const std::vector<store::Device> devices = s.store.list_devices();
    const core::DeviceContext context{s.config.pool, devices,
                                      [&s](std::string_view g) { return s.store.group_exists(g); }};
    return core::apply_device_fields(fields, context, draft);
}

bool expiring_soon(std::int64_t not_after, std::int64_t now, const core::Config& config) {
    return not_after >= now &&
           not_after - now < std::int64_t{config.expiry_warning_days} * 24 * 3600;
}

std::vector<std::string> usable_serials(Services& s, std::int64_t device_id) {
    std::vector<std::string> out;
    for (const auto& c : s.store.certificates_of(device_id)) {
        if (!c.revoked_at) out.push_back(c.serial);
    }
    return out;
}

store::Certificate issue_certificate(Services& s, const std::string& device_name, std::int64_t now,
                                     const std::vector<std::string>& released) {
    auto in_use = [&](const std::string& c) {
        if (std::find(released.begin(), released.end(), c) != released.end()) return false;
        return s.store.common_name_in_use(c, now);
    };
    const std::string cn =
        core::distinct_common_name(device_name, in_use, core::random_common_name_suffix);
    return s.authority.issue_client(cn, now);
}

Reply no_device(const std::string& field, const std::string& name) {
    return Reply::error(Code::NotFound, field + ": no device named " + name);
}

Reply create_device(core::DeviceDraft draft, const Caller& caller, Services& s,
                    const std::string& action, std::string details,
                    std::optional<GivenCertificate> given) {
    store::Device& d = draft.device;
    if (auto problem =
            draft.license.empty() ? std::nullopt : check_license_choice(s, draft.license))
        return Reply::error(Code::Invalid, *problem);
    const auto& pool = s.config.pool;
    // The first host address belongs to the server; the last is the broadcast address.
    auto ip = s.store.free_vpn_ip(pool.first() + 2, pool.last() - 1);
    if (!ip)
        return Reply::error(Code::Invalid, "vpn_ip: the VPN pool " + pool.to_string() + " is full");
    d.vpn_ip = *ip;
    d.id = 0;
    d.active = true;
    d.state = store::DeviceState::Offline;
    d.state_since = d.created_at = s.now();
    store::Certificate cert = given ? given->cert : issue_certificate(s, d.name, s.now());
    details += (details.empty() ? "" : " ") + std::string("type=") +
               std::string(store::to_string(d.type)) + " vpn_ip=" + net::format_ipv4(d.vpn_ip);
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.add_device(d);
        if (!out.ok()) return;
        if (!draft.key_password.empty()) out = s.store.set_key_password(d.id, draft.key_password);
        cert.device_id = d.id;
        if (out.ok()) out = s.store.add_certificate(cert);
        // Without a license the device holds a seat of `default` (schema 003), if one is free.
        if (out.ok() && !draft.license.empty())
            out = s.store.assign_license(d.id, draft.license, d.created_at);
        if (out.ok() && given && given->also) out = given->also(d);
        if (!out.ok()) throw std::runtime_error("device insert failed: " + out.message);
        s.audit(caller, action, d.name, details);
        queue_operator_notice(s, caller, d, "added", action + " " + details);
    });
    if (!out.ok()) return from_outcome(out);
    wake_mail(s);
    json::object result = device_to_json(d);
    result["certificate"] = cert.serial;
    return Reply::ok(result);
}

namespace {

Reply add_device(const Args& args, const Caller& caller, Services& s) {
    core::DeviceDraft draft;
    core::DeviceFields fields = device_fields(args);
    fields.name = args.str("name");
    fields.type = args.str("type");
    if (auto problem = apply_fields(fields, s, draft)) return Reply::error(Code::Invalid, *problem);
    draft.license = args.str("license");
    return create_device(std::move(draft), caller, s, "device.add", {});
}

Reply list_devices(Services& s) {
    std::map<std::int64_t, std::int64_t> expiry;
    for (const auto& e : s.store.certificate_expiry()) expiry[e.device_id] = e.not_after;
    const std::int64_t now = s.now();
    const auto extras = DeviceExtras::load(s);
    json::array out;
    for (const auto& d : s.store.list_devices()) {
        json::object o = device_to_json(d);
        extras.annotate(o, d);
        auto it = expiry.find(d.id);
        o["cert_expires"] =
            it == expiry.end() ? json::value(nullptr) : json::value(iso_time(it->second));
        o["expiring_soon"] = it != expiry.end() && expiring_soon(it->second, now, s.config);
        out.push_back(o);
    }
    return Reply::ok(out);
}

std::string code_kind(const store::Device& d, const core::Config& config) {
    if (!d.device_code.empty()) return "individual";
    return config.default_device_code.empty() ? "none" : "default";
}

// Secrets are described, never shown: whether a key password and which device code apply.
Reply show_device(const Args& args, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return no_device("name", args.str("name"));
    const std::int64_t now = s.now();
    json::object o = device_to_json(*d);
    o["device_code"] = code_kind(*d, s.config);
    o["key_password"] = s.store.key_password(d->id).empty() ? "none" : "set";
    DeviceExtras::load(s).annotate(o, *d);
    o["traffic_by_month"] = monthly_traffic(s, d->id);
    json::array certs;
    for (const auto& c : s.store.certificates_of(d->id)) {
        json::object co;
        co["serial"] = c.serial;
        co["state"] = c.revoked_at ? "revoked" : (c.not_after < now ? "expired" : "valid");
        co["expires"] = iso_time(c.not_after);
        co["expiring_soon"] = !c.revoked_at && expiring_soon(c.not_after, now, s.config);
        certs.push_back(co);
    }
    o["certificates"] = certs;
    return Reply::ok(o);
}

Reply delete_device(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    auto d = s.store.find_device(name);
    if (!d) return no_device("name", name);
    const std::int64_t now = s.now();
    const auto serials = usable_serials(s, d->id);
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.delete_device(name, now);
        if (!out.ok()) return;
        s.audit(caller, "device.delete", name);
        queue_operator_notice(s, caller, *d, "deleted", "device.delete");
    });
    if (!out.ok()) return from_outcome(out);
    wake_mail(s);
    // Kill first: the CRL only guards new handshakes, the live session must end now.
    std::size_t ended = 0;
    for (const auto& serial : serials)
        ended += s.sessions.end_sessions_of_serial(serial, "device deleted");
    s.authority.write_crl(s.store.revoked_serials(), now);
    json::object o;
    o["sessions_ended"] = ended;
    return Reply::ok(o);
}

// The newest valid certificate that still has its key (issue order: the last one wins).
std::optional<store::Certificate> exportable_certificate(Services& s, std::int64_t device_id) {
    std::optional<store::Certificate> usable;
    for (auto& c : s.store.certificates_of(device_id)) {
        if (!c.revoked_at && !c.key_pem.empty() && c.not_after > s.now()) usable = std::move(c);
    }
    return usable;
}

Reply export_device(const Args& args, const Caller& caller, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return no_device("name", args.str("name"));
    const auto usable = exportable_certificate(s, d->id);
    if (!usable)
        return Reply::error(
            Code::Invalid,
            "certificate: the device has no valid certificate; issue one with cert new");
    const std::string password = s.store.key_password(d->id);
    const core::ProfileMaterial material{
        s.authority.ca_pem(), usable->cert_pem,
        password.empty() ? usable->key_pem : pki::encrypt_private_key(usable->key_pem, password),
        !password.empty(), s.authority.tls_crypt_key()};
    const auto facts =
        core::credential_facts(s.store.login_requirements(d->id), s.store.find_totp(d->id),
                               s.store.one_time_codes(d->id), s.now());
    const std::string profile =
        core::render_profile(*d, core::profile_server(s.config), material, facts);
    s.audit(caller, "device.export", d->name,
            "serial=" + usable->serial + (password.empty() ? "" : " key=encrypted"));
    json::object result;
    result["name"] = d->name;
    result["profile"] = profile;
    if (const std::string netmap = core::netmap_nftables(*d); !netmap.empty())
        result["netmap_nftables"] = netmap;
    return Reply::ok(result);
}

std::vector<ArgSpec> with_fields(std::vector<ArgSpec> head) {
    for (auto& spec : device_field_args()) head.push_back(std::move(spec));
    return head;
}

}  // namespace

void register_device_commands(Registry& r, Services& s) {
    r.add({"device.add", Access::Write, "add a device and issue its certificate",
           with_fields({{"name", ArgType::String, true},
                        {"type", ArgType::String, true},
                        {"license", ArgType::String}}),
           [&s](const Args& a, const Caller& c) { return add_device(a, c, s); }});
    r.add({"device.list",
           Access::Read,
           "list devices (expiring_soon: the newest valid certificate expires within "
           "[pki] expiry_warning_days)",
           {},
           [&s](const Args&, const Caller&) { return list_devices(s); }});
    r.add({"device.show",
           Access::Read,
           "show one device with its certificates",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller&) { return show_device(a, s); }});
    r.add({"device.delete",
           Access::Write,
           "delete a device, revoke its certificates, end its session",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return delete_device(a, c, s); }});
    r.add({"device.export",
           Access::Write,
           "the device's OpenVPN client profile (.ovpn); with a key password the key is "
           "encrypted PKCS#8 (AES-256)",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return export_device(a, c, s); }});
    register_device_edit_commands(r, s);
    register_device_state_commands(r, s);
}

}  // namespace warden::control

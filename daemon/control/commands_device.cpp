// device.add / list / show / delete / export
#include "common/log.hpp"
#include "daemon/control/device_extras.hpp"
#include "daemon/control/services.hpp"
#include "daemon/control/two_factor.hpp"
#include "daemon/core/device_rules.hpp"
#include "daemon/core/netmap.hpp"
#include "daemon/core/net.hpp"

namespace warden::control {
namespace {

// Builds a Device from add arguments; returns the first problem found.
std::optional<std::string> device_from_args(const Args& args, Services& s, store::Device& d) {
    d.name = args.str("name");
    if (auto problem = core::check_device_name(d.name)) return problem;
    auto type = store::parse_device_type(args.str("type"));
    if (!type) return "type: must be router or pc";
    d.type = *type;
    d.group = args.str("group", "default");
    if (!s.store.group_exists(d.group)) return "group: unknown group " + d.group;
    d.serial_number = args.str("serial");
    d.device_code = args.str("code");
    d.email = args.str("email");
    d.monitor = args.flag("monitor");
    if (auto network = args.opt_str("network")) {
        if (d.type != store::DeviceType::Router)
            return "network: only routers have an accessible network";
        auto parsed = net::parse_network(*network);
        if (!parsed)
            return "network: not a network such as 192.168.1.0/24 or 192.168.1.0/255.255.255.0";
        if (auto problem = core::check_network(*parsed, s.config.pool, s.store.list_devices()))
            return problem;
        d.network = parsed->to_string();
    }
    if (auto local = args.opt_str("netmap")) {
        auto parsed = net::parse_network(*local);
        if (!parsed) return "netmap: not a network such as 192.168.0.0/24";
        auto network = net::parse_network(d.network);
        if (!network) return "netmap: needs --network (the virtual network it is mapped to)";
        if (network->prefix != parsed->prefix)
            return "netmap: must have the same size as --network";
        d.addressing = "netmap";
        d.local_network = parsed->to_string();
    }
    return std::nullopt;
}

Reply add_device(const Args& args, const Caller& caller, Services& s) {
    store::Device d;
    if (auto problem = device_from_args(args, s, d)) return Reply::error(Code::Invalid, *problem);
    const auto license = args.opt_str("license");
    if (auto problem = license ? check_license_choice(s, *license) : std::nullopt)
        return Reply::error(Code::Invalid, *problem);
    if (s.store.find_device(d.name))
        return Reply::error(Code::Invalid, "name: a device named " + d.name + " exists");
    const auto& pool = s.config.pool;
    // The first host address belongs to the server; the last is the broadcast address.
    auto ip = s.store.free_vpn_ip(pool.first() + 2, pool.last() - 1);
    if (!ip)
        return Reply::error(Code::Invalid, "vpn_ip: the VPN pool " + pool.to_string() + " is full");
    d.vpn_ip = *ip;
    d.state_since = d.created_at = s.now();
    store::Certificate cert = s.authority.issue_client(d.name, s.now());
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.add_device(d);
        if (!out.ok()) return;
        cert.device_id = d.id;
        out = s.store.add_certificate(cert);
        if (!out.ok()) throw std::runtime_error("certificate insert failed: " + out.message);
        if (license && !(out = s.store.assign_license(d.id, *license, d.created_at)).ok())
            throw std::runtime_error("license assignment failed: " + out.message);
        s.store.log_activity({0, s.now(), caller.user, "device.add", d.name,
                              "type=" + std::string(store::to_string(d.type)) +
                                  " vpn_ip=" + net::format_ipv4(d.vpn_ip)});
    });
    if (!out.ok()) return from_outcome(out);
    log::info("admin action",
              {{"user", caller.user}, {"action", "device.add"}, {"object", d.name}});
    json::object result = device_to_json(d);
    result["certificate"] = cert.serial;
    return Reply::ok(result);
}

Reply list_devices(Services& s) {
    json::array out;
    const auto extras = DeviceExtras::load(s);
    for (const auto& d : s.store.list_devices()) {
        json::object row = device_to_json(d);
        extras.annotate(row, d);
        out.push_back(std::move(row));
    }
    return Reply::ok(out);
}

Reply show_device(const Args& args, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return Reply::error(Code::NotFound, "device not found: " + args.str("name"));
    json::object o = device_to_json(*d);
    DeviceExtras::load(s).annotate(o, *d);
    o["traffic_by_month"] = monthly_traffic(s, d->id);
    json::array certs;
    for (const auto& c : s.store.certificates_of(d->id)) {
        json::object co;
        co["serial"] = c.serial;
        co["state"] = c.revoked_at ? "revoked" : (c.not_after < s.now() ? "expired" : "valid");
        co["expires"] = iso_time(c.not_after);
        certs.push_back(co);
    }
    o["certificates"] = certs;
    return Reply::ok(o);
}

Reply delete_device(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    auto d = s.store.find_device(name);
    if (!d) return Reply::error(Code::NotFound, "device not found: " + name);
    const std::int64_t now = s.now();
    if (auto out = s.store.delete_device(name, now); !out.ok()) return from_outcome(out);
    s.audit(caller, "device.delete", name);
    s.authority.write_crl(s.store.revoked_serials(), now);
    s.sessions.end_sessions_of_device(d->id, "device deleted");
    return Reply::ok();
}

std::string inline_block(const std::string& tag, const std::string& pem) {
    return "<" + tag + ">\n" + pem + (pem.empty() || pem.back() == '\n' ? "" : "\n") + "</" + tag +
           ">\n";
}

Reply export_device(const Args& args, const Caller& caller, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return Reply::error(Code::NotFound, "device not found: " + args.str("name"));
    const store::Certificate* usable = nullptr;
    auto certs = s.store.certificates_of(d->id);
    for (const auto& c : certs) {
        if (!c.revoked_at && !c.key_pem.empty() && c.not_after > s.now())
            usable = &c;  // newest wins
    }
    if (!usable)
        return Reply::error(
            Code::Invalid,
            "certificate: the device has no valid certificate; issue one with cert new");
    const auto& cfg = s.config;
    std::string p;
    p += "# warden profile for " + d->name + "\n";
    p += "client\ndev tun\nproto " + cfg.proto + "\nremote " + cfg.remote + " " +
         std::to_string(cfg.port) + "\n";
    p += "nobind\nremote-cert-tls server\nverify-x509-name warden-server name\n";
    p += "resolv-retry infinite\nconnect-retry 1 5\nverb 3\n";
    if (cfg.proto == "udp") p += "explicit-exit-notify 1\n";
    p += inline_block("ca", s.authority.ca_pem());
    p += inline_block("cert", usable->cert_pem);
    p += inline_block("key", usable->key_pem);
    p += inline_block("tls-crypt", s.authority.tls_crypt_key());
    const std::string netmap = core::netmap_nftables(*d);
    if (!netmap.empty()) {
        p += "# The router translates its LAN (netmap addressing); rules for a Linux router:\n";
        for (std::size_t at = 0; at < netmap.size();) {
            const std::size_t end = netmap.find('\n', at);
            p += "#| " + netmap.substr(at, end - at) + "\n";
            at = end + 1;
        }
    }
    p += credential_profile_lines(s, *d);
    s.audit(caller, "device.export", d->name, "serial=" + usable->serial);
    json::object result;
    result["name"] = d->name;
    result["profile"] = p;
    if (!netmap.empty()) result["netmap_nftables"] = netmap;
    return Reply::ok(result);
}

}  // namespace

void register_device_commands(Registry& r, Services& s) {
    r.add({"device.add",
           Access::Write,
           "add a device and issue its certificate",
           {{"name", ArgType::String, true},
            {"type", ArgType::String, true},
            {"group", ArgType::String},
            {"serial", ArgType::String},
            {"code", ArgType::String},
            {"network", ArgType::String},
            {"netmap", ArgType::String},
            {"email", ArgType::String},
            {"license", ArgType::String},
            {"monitor", ArgType::Bool}},
           [&s](const Args& a, const Caller& c) { return add_device(a, c, s); }});
    r.add({"device.list", Access::Read, "list devices", {}, [&s](const Args&, const Caller&) {
               return list_devices(s);
           }});
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
           "the device's OpenVPN client profile (.ovpn)",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return export_device(a, c, s); }});
}

}  // namespace warden::control

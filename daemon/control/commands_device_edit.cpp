// device.edit / copy / replace
#include "daemon/control/device_commands.hpp"
#include "daemon/control/notices.hpp"
#include "daemon/core/net.hpp"

namespace warden::control {
namespace {

// Which options an edit touched, for the activity log (values stay out: one is a secret).
std::string touched(const Args& args) {
    std::string out;
    for (const char* key : {"new_name", "type", "group", "serial", "code", "network", "netmap",
                            "email", "monitor", "key_password"}) {
        if (args.has(key)) out += (out.empty() ? "" : ",") + std::string(key);
    }
    return out;
}

bool routing_changed(const store::Device& before, const store::Device& after) {
    return before.type != after.type || before.network != after.network ||
           before.addressing != after.addressing || before.local_network != after.local_network;
}

// Reads, validates and writes in one transaction: a refused edit changes nothing, and
// the row written back is the row just read (no concurrent state update is lost).
Reply edit_device(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    const std::string changes = touched(args);
    if (changes.empty()) return Reply::error(Code::Usage, "device.edit: nothing to change");
    core::DeviceFields fields = device_fields(args);
    fields.name = args.opt_str("new_name");
    fields.type = args.opt_str("type");
    Reply reply;
    std::optional<std::int64_t> reconnect;
    s.store.transaction([&] {
        auto d = s.store.find_device(name);
        if (!d) {
            reply = no_device("name", name);
            return;
        }
        core::DeviceDraft draft{*d, s.store.key_password(d->id)};
        const std::string old_password = draft.key_password;
        if (auto problem = apply_fields(fields, s, draft)) {
            reply = Reply::error(Code::Invalid, *problem);
            return;
        }
        if (auto out = s.store.update_device(draft.device); !out.ok()) {
            reply = from_outcome(out);  // nothing written yet
            return;
        }
        if (draft.key_password != old_password &&
            !s.store.set_key_password(d->id, draft.key_password).ok())
            throw std::runtime_error("device vanished during edit");
        s.audit(caller, "device.edit", draft.device.name,
                "changed=" + changes + (d->name != draft.device.name ? " was=" + d->name : ""));
        reply = Reply::ok(device_to_json(draft.device));
        if (routing_changed(*d, draft.device)) reconnect = d->id;
    });
    // OpenVPN fixes a client's iroute at connect: a router whose networks changed must
    // reconnect to be routed by the new ones (it does so at once after the kill).
    if (reconnect) {
        std::size_t ended = 0;
        for (const auto& serial : usable_serials(s, *reconnect))
            ended += s.sessions.end_sessions_of_serial(serial, "device networks changed");
        reply.result.as_object()["sessions_ended"] = ended;
    }
    return reply;
}

// A new device preset from SOURCE: what describes the kind of device is inherited, what
// identifies one device (serial, VPN IP, certificate, key password) and its accessible
// network (it would overlap) are not. With --network, a netmapped source's local
// network comes along: several routers may share one local LAN.
Reply copy_device(const Args& args, const Caller& caller, Services& s) {
    const std::string source = args.str("source");
    auto src = s.store.find_device(source);
    if (!src) return no_device("source", source);
    core::DeviceDraft draft;
    store::Device& d = draft.device;
    d.type = src->type;
    d.group = src->group;
    d.device_code = src->device_code;
    d.monitor = src->monitor;
    d.email = src->email;
    core::DeviceFields fields = device_fields(args);
    fields.name = args.str("name");
    fields.type = args.opt_str("type");
    if (src->addressing == store::Addressing::Netmap && fields.network &&
        !fields.network->empty() && !fields.netmap)
        fields.netmap = src->local_network;
    if (auto problem = apply_fields(fields, s, draft)) return Reply::error(Code::Invalid, *problem);
    return create_device(std::move(draft), caller, s, "device.copy", "from=" + src->name);
}

Reply replace_device(const Args& args, const Caller& caller, Services& s) {
    const std::string old_name = args.str("old");
    const std::string new_name = args.str("new");
    if (old_name == new_name) return Reply::error(Code::Invalid, "new: must be another device");
    auto old = s.store.find_device(old_name);
    if (!old) return no_device("old", old_name);
    auto neu = s.store.find_device(new_name);
    if (!neu) return no_device("new", new_name);
    if (old->type != neu->type)
        return Reply::error(Code::Invalid, "new: " + new_name + " is a " +
                                               std::string(store::to_string(neu->type)) + " and " +
                                               old_name + " a " +
                                               std::string(store::to_string(old->type)) +
                                               "; replace needs two devices of the same type");
    store::Device merged = *neu;
    merged.name = old->name;
    merged.vpn_ip = old->vpn_ip;
    merged.group = old->group;
    merged.network = old->network;
    merged.addressing = old->addressing;
    merged.local_network = old->local_network;
    const std::int64_t now = s.now();
    // OLD's certificates are revoked below, in the same transaction: their name is free.
    std::vector<std::string> released;
    for (const auto& c : s.store.certificates_of(old->id)) released.push_back(c.common_name);
    store::Certificate cert = issue_certificate(s, merged.name, now, released);
    cert.device_id = neu->id;
    const auto old_serials = usable_serials(s, old->id);
    const auto new_serials = usable_serials(s, neu->id);
    Reply reply;
    s.store.transaction([&] {
        if (auto out = s.store.delete_device(old->name, now); !out.ok()) {
            reply = from_outcome(out);
            return;
        }
        // Past this point a failure is unexpected; throwing rolls the delete back.
        if (auto out = s.store.update_device(merged); !out.ok())
            throw std::runtime_error("replace: update failed: " + out.message);
        if (auto out = s.store.add_certificate(cert); !out.ok())
            throw std::runtime_error("replace: certificate insert failed: " + out.message);
        const std::string details =
            "by=" + new_name + " vpn_ip=" + net::format_ipv4(merged.vpn_ip) +
            " serial=" + cert.serial + " revoked=" + std::to_string(old_serials.size());
        s.audit(caller, "device.replace", merged.name, details);
        // One device fewer: the operator hears of it like of a delete.
        queue_operator_notice(s, caller, *old, "replaced by " + new_name,
                              "device.replace " + details);
        json::object o = device_to_json(merged);
        o["certificate"] = cert.serial;
        o["revoked"] = old_serials.size();
        reply = Reply::ok(o);
    });
    if (reply.code != Code::Ok) return reply;
    wake_mail(s);
    // OLD's certificates are revoked; NEW's address changed, so it reconnects to get it.
    std::size_t ended = 0;
    for (const auto& serial : old_serials)
        ended += s.sessions.end_sessions_of_serial(serial, "device replaced");
    for (const auto& serial : new_serials)
        ended += s.sessions.end_sessions_of_serial(serial, "device took over " + old_name);
    s.authority.write_crl(s.store.revoked_serials(), now);
    reply.result.as_object()["sessions_ended"] = ended;
    return reply;
}

std::vector<ArgSpec> with_fields(std::vector<ArgSpec> head) {
    for (auto& spec : device_field_args()) head.push_back(std::move(spec));
    return head;
}

}  // namespace

void register_device_edit_commands(Registry& r, Services& s) {
    r.add({"device.edit", Access::Write,
           "change a device: the options of add, new_name renames (the certificates stay "
           "valid); an empty value clears a field; a router whose networks change is "
           "reconnected",
           with_fields({{"name", ArgType::String, true},
                        {"new_name", ArgType::String},
                        {"type", ArgType::String}}),
           [&s](const Args& a, const Caller& c) { return edit_device(a, c, s); }});
    r.add({"device.copy", Access::Write,
           "add device NAME preset from SOURCE (type, group, code, monitor, e-mail; with "
           "network also a netmapped source's local network); options of add override",
           with_fields({{"source", ArgType::String, true},
                        {"name", ArgType::String, true},
                        {"type", ArgType::String}}),
           [&s](const Args& a, const Caller& c) { return copy_device(a, c, s); }});
    r.add({"device.replace",
           Access::Write,
           "NEW (an added device of the same type) takes over OLD: it is renamed to OLD's "
           "name and gets OLD's VPN IP, group, network and netmap; OLD is deleted and its "
           "certificates revoked; NEW keeps its serial, code, e-mail, key password and "
           "certificates and gets a fresh one (export again); both live sessions end",
           {{"old", ArgType::String, true}, {"new", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return replace_device(a, c, s); }});
}

}  // namespace warden::control

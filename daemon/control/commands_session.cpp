// status / session.list / session.kill / help
#include "daemon/control/services.hpp"
#include "daemon/control/token_logins.hpp"

namespace warden::control {
namespace {

// The firewall's block of `status`: absent when it is disabled.
void add_firewall_status(json::object& o, Services& s) {
    const auto health = s.firewall_health();
    if (!health) return;
    json::object fw;
    fw["state"] = health->state;
    fw["last_apply"] = health->last_apply ? json::value(iso_time(health->last_apply)) : nullptr;
    fw["last_error"] = health->last_error;
    fw["repairs"] = health->repairs;
    fw["flows_cut"] = health->flows_cut;
    o["firewall"] = fw;
}

// How verdicts fared: the daemon's time per verdict and the deferrals plugins reported
// (each one cost its client OpenVPN's deferred cycle).
void add_verdict_status(json::object& o, Services& s) {
    const core::VerdictStats stats = s.verdict_stats();
    const auto& t = stats.times();
    json::object v;
    v["count"] = t.count;
    v["over_1ms"] = t.over_1ms;
    v["over_2ms"] = t.over_2ms;
    v["max_us"] = t.max_us;
    o["verdicts"] = v;
    const auto& d = stats.deferrals();
    json::object def;
    def["total"] = d.total;
    def["auth"] = d.auth;
    def["connect"] = d.connect;
    def["budget"] = d.budget;
    def["queued"] = d.queued;
    def["late"] = d.late;
    def["timed_out"] = d.timed_out;
    def["max_late_ms"] = static_cast<std::int64_t>(d.max_late_ms);
    o["deferrals"] = def;
}

Reply status(Services& s) {
    json::object o;
    o["version"] = WARDEN_VERSION;
    o["devices"] = s.store.device_count();
    // Certificates of enrollment CAs waiting for an admin (`pending list`).
    o["pending_authorization"] = s.store.pending_certs().size();
    o["plugin_connections"] = s.plugin_connections();
    json::array instances;
    std::size_t sessions = 0;
    for (const auto& i : s.sessions.instances()) {
        json::object io;
        io["name"] = i.name;
        io["management"] = i.management_connected ? "connected" : "disconnected";
        io["sessions"] = i.sessions;
        sessions += i.sessions;
        instances.push_back(io);
    }
    o["sessions"] = sessions;
    o["instances"] = instances;
    add_pki_status(o, s);
    add_firewall_status(o, s);
    add_verdict_status(o, s);
    return Reply::ok(o);
}

Reply list_sessions(Services& s) {
    json::array out;
    for (const auto& v : s.sessions.list()) {
        json::object o;
        o["device"] = v.device;
        o["node"] = v.node.empty() ? s.node : v.node;
        o["instance"] = v.instance;
        o["common_name"] = v.common_name;
        o["real_address"] = v.real_address;
        o["vpn_ip"] = v.vpn_ip;
        o["bytes_received"] = v.bytes_received;
        o["bytes_sent"] = v.bytes_sent;
        o["since"] = iso_time(v.since);
        out.push_back(o);
    }
    return Reply::ok(out);
}

Reply kill_session(const Args& args, const Caller& caller, Services& s) {
    auto d = s.store.find_device(args.str("name"));
    if (!d) return Reply::error(Code::NotFound, "device not found: " + args.str("name"));
    // Before the kill: the client reconnects at once with its auth-gen-token, and that
    // token must no longer stand in for the second factor (a fresh code is needed).
    end_token_logins(s, d->id);
    const std::size_t ended = s.sessions.end_sessions_of_device(d->id, "ended by admin");
    if (ended == 0)
        return Reply::error(Code::NotFound, "device " + d->name + " has no live session");
    s.audit(caller, "session.kill", d->name);
    json::object o;
    o["sessions_ended"] = ended;
    return Reply::ok(o);
}

Reply help(const Registry& r) {
    json::array out;
    for (const Command* c : r.commands()) {
        json::object o;
        o["command"] = c->name;
        o["access"] = c->access == Access::Write ? "write" : "read";
        o["help"] = c->help;
        out.push_back(o);
    }
    return Reply::ok(out);
}

}  // namespace

void register_status_commands(Registry& r, Services& s) {
    r.add({"status",
           Access::Read,
           "daemon, plugin and OpenVPN instance status",
           {},
           [&s](const Args&, const Caller&) { return status(s); }});
    r.add({"help", Access::Read, "list commands", {}, [&r](const Args&, const Caller&) {
               return help(r);
           }});
}

void register_session_commands(Registry& r, Services& s) {
    r.add({"session.list",
           Access::Read,
           "live sessions on every OpenVPN instance",
           {},
           [&s](const Args&, const Caller&) { return list_sessions(s); }});
    r.add({"session.kill",
           Access::Write,
           "end a device's live session",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return kill_session(a, c, s); }});
}

}  // namespace warden::control

// device.deactivate / activate: a deactivated device keeps its certificates but
// decide() refuses it ("device deactivated"), and its live session is ended at once.
#include "daemon/control/device_commands.hpp"
#include "daemon/control/token_logins.hpp"

namespace warden::control {
namespace {

Reply set_active(const Args& args, const Caller& caller, Services& s, bool active) {
    const std::string name = args.str("name");
    auto d = s.store.find_device(name);
    if (!d) return no_device("name", name);
    const std::int64_t now = s.now();
    const char* action = active ? "device.activate" : "device.deactivate";
    auto change = [&] {
        store::Outcome out = s.store.set_device_active(d->id, active, now);
        if (out.ok()) s.audit(caller, action, d->name);
        return out;
    };
    store::Outcome out;
    // Reactivation must not revive a token issued before: deactivation ends them.
    if (active)
        s.store.transaction([&] { out = change(); });
    else
        out = commit_ending_token_logins(s, d->id, change);
    if (!out.ok()) return from_outcome(out);
    json::object o;
    o["name"] = d->name;
    o["state"] = active ? "offline" : "deactivated";
    o["since"] = iso_time(now);
    // Committed first, so the client's immediate reconnect already meets the refusal.
    if (!active)
        o["sessions_ended"] = s.sessions.end_sessions_of_device(d->id, "device deactivated");
    return Reply::ok(o);
}

}  // namespace

void register_device_state_commands(Registry& r, Services& s) {
    r.add({"device.deactivate",
           Access::Write,
           "refuse a device's connections and end its live session (certificates stay valid)",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return set_active(a, c, s, false); }});
    r.add({"device.activate",
           Access::Write,
           "let a deactivated device connect again",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return set_active(a, c, s, true); }});
}

}  // namespace warden::control

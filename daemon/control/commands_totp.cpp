// totp.setup / confirm / reset / off / show / unlock, group.require-totp, device.password
//
// Life of a device's TOTP: setup stores a pending secret (not enforced); confirm with a
// code from the app enforces it; reset replaces the secret and keeps it enforced, so
// logins need `totp confirm` (or a one-time code) before they work again; off removes it.
// Changing a factor ends the device's token logins (control/token_logins.hpp): its next
// renegotiation needs a fresh login.
#include <variant>

#include "daemon/control/token_logins.hpp"
#include "daemon/control/two_factor.hpp"
#include "daemon/core/credential_rules.hpp"
#include "daemon/core/secrets.hpp"
#include "daemon/core/totp.hpp"

namespace warden::control {
namespace {

constexpr std::size_t kMinPassword = 6;
constexpr std::size_t kMaxPassword = 256;

// The device named in args["name"], or the error reply.
std::variant<store::Device, Reply> device_arg(const Args& args, Services& s) {
    const std::string name = args.str("name");
    auto d = s.store.find_device(name);
    if (!d) return Reply::error(Code::NotFound, "name: no device named " + name);
    return *d;
}

json::object secret_reply(const store::Device& d, const std::string& secret) {
    json::object o;
    o["name"] = d.name;
    o["secret"] = secret;
    o["uri"] = core::totp::uri(d.name, secret);
    return o;
}

Reply setup(const Args& args, const Caller& caller, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    if (d.type != store::DeviceType::Pc)
        return Reply::error(Code::Invalid, "name: TOTP is for pcs; " + d.name + " is a router");
    if (auto t = s.store.find_totp(d.id); t && t->enforced)
        return Reply::error(Code::Invalid, "totp: already set up for " + d.name +
                                               "; totp reset makes a new secret");
    store::Totp t;
    t.device_id = d.id;
    t.secret = core::totp::new_secret();
    t.created_at = s.now();
    s.store.transaction([&] {
        s.store.put_totp(t);
        s.audit(caller, "totp.setup", d.name, "pending confirmation");
    });
    return Reply::ok(secret_reply(d, t.secret));
}

Reply confirm(const Args& args, const Caller& caller, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    const std::string code = args.str("code");
    if (code.size() != core::totp::kDigits ||
        code.find_first_not_of("0123456789") != std::string::npos)
        return Reply::error(Code::Invalid, "code: expected the 6 digits the app shows");
    auto t = s.store.find_totp(d.id);
    if (!t) return Reply::error(Code::Invalid, "totp: not set up for " + d.name + " (totp setup)");
    if (t->confirmed_at)
        return Reply::error(Code::Invalid, "totp: already confirmed for " + d.name);
    const auto step = core::totp::match(t->secret, code, s.now());
    if (!step)
        return Reply::error(Code::Invalid,
                            "code: does not match (is the app's clock right? is it the newest "
                            "secret?)");
    t->confirmed_at = s.now();
    t->enforced = true;
    t->last_step = *step;  // the confirming code cannot be used to log in again
    commit_ending_token_logins(s, d.id, [&] {
        s.store.put_totp(*t);
        s.audit(caller, "totp.confirm", d.name, "enforced");
        return store::Outcome{};
    });
    json::object o;
    o["name"] = d.name;
    o["totp"] = "confirmed";
    return Reply::ok(o);
}

Reply reset(const Args& args, const Caller& caller, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    auto t = s.store.find_totp(d.id);
    if (!t) return Reply::error(Code::Invalid, "totp: not set up for " + d.name + " (totp setup)");
    t->secret = core::totp::new_secret();
    t->confirmed_at.reset();
    t->last_step = 0;
    t->created_at = s.now();
    commit_ending_token_logins(s, d.id, [&] {
        s.store.put_totp(*t);
        s.audit(caller, "totp.reset", d.name,
                t->enforced ? "enforced, pending confirmation" : "pending confirmation");
        return store::Outcome{};
    });
    return Reply::ok(secret_reply(d, t->secret));
}

Reply off(const Args& args, const Caller& caller, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    const store::Outcome out = commit_ending_token_logins(s, d.id, [&] {
        if (!s.store.delete_totp(d.id)) return store::Outcome{store::Status::NotFound, {}};
        s.audit(caller, "totp.off", d.name);
        return store::Outcome{};
    });
    if (!out.ok()) return Reply::error(Code::Invalid, "totp: not set up for " + d.name);
    json::object o;
    o["name"] = d.name;
    o["totp"] = "off";
    o["required_by_group"] =
        core::totp_required_by_group(d, s.store.group_requires_totp(d.group).value_or(false));
    return Reply::ok(o);
}

std::string totp_state(const std::optional<store::Totp>& t) {
    if (!t) return "off";
    if (t->confirmed_at) return "confirmed";
    return t->enforced ? "reset, pending confirmation" : "pending confirmation";
}

Reply show(const Args& args, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    const auto t = s.store.find_totp(d.id);
    const auto login = s.store.login_state(d.id);
    const auto req = s.store.login_requirements(d.id);
    json::object o;
    o["name"] = d.name;
    o["totp"] = totp_state(t);
    o["required_by_group"] = core::totp_required_by_group(d, req.group_requires_totp);
    o["password"] = req.password;
    o["failures"] = login.failures;
    o["lock_level"] = login.lock_level;
    o["locked_until"] = login.locked_until > s.now() ? json::value(iso_time(login.locked_until))
                                                     : json::value(nullptr);
    return Reply::ok(o);
}

Reply unlock(const Args& args, const Caller& caller, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    s.store.transaction([&] {
        s.store.set_login_failures(d.id, 0, 0, 0);  // the admin vouches: escalation restarts
        s.audit(caller, "login.unlocked", d.name, "by admin");
    });
    return Reply::ok();
}

Reply require_totp(const Args& args, const Caller& caller, Services& s) {
    const std::string group = args.str("group");
    const std::string state = args.str("state");
    if (state != "on" && state != "off")
        return Reply::error(Code::Invalid, "state: expected on or off");
    store::Outcome out;
    s.store.transaction([&] {
        out = s.store.set_group_requires_totp(group, state == "on");
        if (out.ok()) s.audit(caller, "group.require-totp", group, state);
    });
    return from_outcome(out);
}

bool printable(const std::string& s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
}

Reply set_password(const Args& args, const Caller& caller, Services& s) {
    auto arg = device_arg(args, s);
    if (auto* r = std::get_if<Reply>(&arg)) return *r;
    const auto& d = std::get<store::Device>(arg);
    const auto password = args.opt_str("password");
    const bool clear = args.flag("clear");
    if (password.has_value() == clear)
        return Reply::error(Code::Invalid, "password: give a password or clear, not both");
    if (password && (password->size() < kMinPassword || password->size() > kMaxPassword ||
                     !printable(*password)))
        return Reply::error(Code::Invalid,
                            "password: must be 6 to 256 characters, no control characters");
    const std::string hash = password ? core::secrets::hash_password(*password) : std::string();
    commit_ending_token_logins(s, d.id, [&] {
        s.store.set_password_hash(d.id, hash);
        s.audit(caller, "device.password", d.name, clear ? "cleared" : "set");
        return store::Outcome{};
    });
    return Reply::ok();
}

Command device_command(std::string name, Access access, std::string help, Services& s,
                       std::function<Reply(const Args&, const Caller&, Services&)> fn,
                       std::vector<ArgSpec> extra = {}) {
    std::vector<ArgSpec> args{{"name", ArgType::String, true}};
    args.insert(args.end(), extra.begin(), extra.end());
    return {std::move(name), access, std::move(help), std::move(args),
            [&s, fn](const Args& a, const Caller& c) { return fn(a, c, s); }};
}

}  // namespace

void register_totp_commands(Registry& r, Services& s) {
    r.add(device_command("totp.setup", Access::Write,
                         "create a TOTP secret for a pc (enforced after totp confirm)", s, setup));
    r.add(device_command("totp.confirm", Access::Write,
                         "confirm TOTP with a code from the app; enforces it", s, confirm,
                         {{"code", ArgType::String, true}}));
    r.add(device_command("totp.reset", Access::Write,
                         "new TOTP secret; logins need totp confirm (or a one-time code) again", s,
                         reset));
    r.add(device_command("totp.off", Access::Write, "turn TOTP off for a device", s, off));
    r.add(device_command("totp.show", Access::Read, "TOTP, password and lock state of a device", s,
                         [](const Args& a, const Caller&, Services& sv) { return show(a, sv); }));
    r.add(device_command("totp.unlock", Access::Write, "lift a device's lock after failed logins",
                         s, unlock));
    r.add(device_command("device.password", Access::Write,
                         "set (password) or remove (clear) a device's static login password", s,
                         set_password, {{"password", ArgType::String}, {"clear", ArgType::Bool}}));
    r.add({"group.require-totp",
           Access::Write,
           "require TOTP for every pc of a group (state on|off)",
           {{"group", ArgType::String, true}, {"state", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return require_totp(a, c, s); }});
}

}  // namespace warden::control

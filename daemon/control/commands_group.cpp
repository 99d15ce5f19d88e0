// group.add / delete / list, rule.add / list / delete (SPEC §7, §13). Moving a device to
// another group is device.edit (commands_device_edit.cpp).
// The firewall follows every successful change through Registry::after_write, before the
// reply is sent: when the caller sees "done", the change is in force.
#include "daemon/control/services.hpp"
#include "daemon/core/device_rules.hpp"
#include "daemon/firewall/ports.hpp"

namespace warden::control {
namespace {

std::optional<std::string> check_group_name(const std::string& name) {
    return core::check_device_name(name);  // same alphabet and length as device names
}

Reply add_group(const Args& args, const Caller& caller, Services& s) {
    store::Group g;
    g.name = args.str("name");
    if (auto problem = check_group_name(g.name)) return Reply::error(Code::Invalid, *problem);
    g.created_at = s.now();
    if (auto out = s.store.add_group(g); !out.ok()) return from_outcome(out);
    s.audit(caller, "group.add", g.name);
    json::object o;
    o["name"] = g.name;
    return Reply::ok(o);
}

Reply delete_group(const Args& args, const Caller& caller, Services& s) {
    const std::string name = args.str("name");
    if (auto out = s.store.delete_group(name); !out.ok()) return from_outcome(out);
    s.audit(caller, "group.delete", name);
    return Reply::ok();
}

Reply list_groups(Services& s) {
    json::array out;
    for (const auto& g : s.store.list_groups()) {
        json::object o;
        o["name"] = g.name;
        o["devices"] = g.devices;
        o["rules"] = g.rules;
        o["created"] = iso_time(g.created_at);
        out.push_back(o);
    }
    return Reply::ok(out);
}

// Builds a rule from arguments; returns the first problem, naming the field.
std::optional<std::string> rule_from_args(const Args& args, Services& s, store::Rule& r) {
    r.from_group = args.str("from");
    if (!s.store.group_exists(r.from_group)) return "from: unknown group " + r.from_group;
    r.to_group = args.str("to");
    if (!s.store.group_exists(r.to_group)) return "to: unknown group " + r.to_group;
    r.both = args.flag("both");
    r.proto = args.str("proto");
    if (!r.proto.empty() && r.proto != "tcp" && r.proto != "udp" && r.proto != "icmp")
        return "proto: must be tcp, udp or icmp";
    if (auto ports = args.opt_str("ports")) {
        if (r.proto == "icmp") return "ports: icmp has no ports";
        auto parsed = firewall::parse_ports(*ports);
        if (!parsed.ok()) return parsed.error;
        r.ports = firewall::format_ports(parsed.ranges);
    }
    return std::nullopt;
}

std::string rule_details(const store::Rule& r) {
    return "from=" + r.from_group + " to=" + r.to_group + " both=" + (r.both ? "yes" : "no") +
           " proto=" + (r.proto.empty() ? "any" : r.proto) +
           " ports=" + (r.ports.empty() ? "any" : r.ports);
}

json::object rule_to_json(const store::Rule& r) {
    json::object o;
    o["id"] = r.id;
    o["from"] = r.from_group;
    o["to"] = r.to_group;
    o["direction"] = r.both ? "both" : "one-way";
    o["proto"] = r.proto.empty() ? "any" : r.proto;
    o["ports"] = r.ports.empty() ? "any" : r.ports;
    o["created"] = iso_time(r.created_at);
    return o;
}

Reply add_rule(const Args& args, const Caller& caller, Services& s) {
    store::Rule r;
    if (auto problem = rule_from_args(args, s, r)) return Reply::error(Code::Invalid, *problem);
    for (const auto& existing : s.store.list_rules()) {
        if (existing.from_group == r.from_group && existing.to_group == r.to_group &&
            existing.both == r.both && existing.proto == r.proto && existing.ports == r.ports)
            return Reply::error(Code::Invalid, "rule: the same rule exists (id " +
                                                   std::to_string(existing.id) + ")");
    }
    r.created_at = s.now();
    if (auto out = s.store.add_rule(r); !out.ok()) return from_outcome(out);
    s.audit(caller, "rule.add", "rule " + std::to_string(r.id), rule_details(r));
    return Reply::ok(rule_to_json(r));
}

Reply list_rules(Services& s) {
    json::array out;
    for (const auto& r : s.store.list_rules()) out.push_back(rule_to_json(r));
    return Reply::ok(out);
}

Reply delete_rule(const Args& args, const Caller& caller, Services& s) {
    const std::int64_t id = args.integer("id");
    if (id <= 0) return Reply::error(Code::Invalid, "id: must be a positive rule number");
    std::optional<store::Rule> rule;
    for (const auto& r : s.store.list_rules())
        if (r.id == id) rule = r;
    if (!rule) return Reply::error(Code::NotFound, "id: no rule " + std::to_string(id));
    if (auto out = s.store.delete_rule(id); !out.ok()) return from_outcome(out);
    s.audit(caller, "rule.delete", "rule " + std::to_string(id), rule_details(*rule));
    return Reply::ok();
}

}  // namespace

void register_group_commands(Registry& r, Services& s) {
    r.add({"group.add",
           Access::Write,
           "add a group",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return add_group(a, c, s); }});
    r.add({"group.delete",
           Access::Write,
           "delete a group that no device or rule uses",
           {{"name", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return delete_group(a, c, s); }});
    r.add({"group.list",
           Access::Read,
           "list groups with their devices and rules",
           {},
           [&s](const Args&, const Caller&) { return list_groups(s); }});
    r.add({"rule.add",
           Access::Write,
           "allow traffic from one group to another (or within one)",
           {{"from", ArgType::String, true},
            {"to", ArgType::String, true},
            {"both", ArgType::Bool},
            {"proto", ArgType::String},
            {"ports", ArgType::String}},
           [&s](const Args& a, const Caller& c) { return add_rule(a, c, s); }});
    r.add({"rule.list",
           Access::Read,
           "list communication rules",
           {},
           [&s](const Args&, const Caller&) { return list_rules(s); }});
    r.add({"rule.delete",
           Access::Write,
           "delete a rule",
           {{"id", ArgType::Integer, true}},
           [&s](const Args& a, const Caller& c) { return delete_rule(a, c, s); }});
}

}  // namespace warden::control

// log.activity / log.connections (SPEC §8): the activity log (every admin action and
// security event, with the caller's OS user) and the connection log (connect,
// disconnect with bytes and duration, refusals with their reason), newest first.
#include "daemon/control/services.hpp"
#include "daemon/core/time_text.hpp"

namespace warden::control {
namespace {

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 100'000;

std::optional<std::string> check_limit(const Args& args) {
    const auto limit = args.integer("limit", kDefaultLimit);
    if (limit < 1 || limit > kMaxLimit) return "limit: must be 1.." + std::to_string(kMaxLimit);
    return std::nullopt;
}

json::object activity_to_json(const store::ActivityEntry& e) {
    return {{"id", e.id},         {"at", iso_time(e.at)}, {"user", e.actor},
            {"action", e.action}, {"object", e.object},   {"details", e.details}};
}

json::object connection_to_json(const store::ConnectionEntry& e) {
    json::object o{{"id", e.id},
                   {"at", iso_time(e.at)},
                   {"event", std::string(store::to_string(e.event))},
                   {"device", e.device_name},
                   {"instance", e.instance},
                   {"real_address", e.real_address},
                   {"vpn_ip", e.vpn_ip},
                   {"bytes_received", e.bytes_received},
                   {"bytes_sent", e.bytes_sent},
                   {"duration", e.duration},
                   {"reason", e.reason}};
    return o;
}

Reply activity(const Args& args, Services& s) {
    if (auto problem = check_limit(args)) return Reply::error(Code::Invalid, *problem);
    std::int64_t since = 0;
    if (auto text = args.opt_str("since")) {
        auto parsed = core::parse_since(*text, s.now(), core::system_local_time);
        if (!parsed)
            return Reply::error(Code::Invalid,
                                "since: not a duration (90s, 30m, 2h, 7d) or an ISO 8601 time "
                                "(2026-11-22T14:00, local time unless a zone is given)");
        since = *parsed;
    }
    const auto limit = static_cast<std::size_t>(args.integer("limit", kDefaultLimit));
    const auto entries = args.has("device") ? s.store.activity_for(args.str("device"), since, limit)
                                            : s.store.activity(since, limit);
    json::array out;
    for (const auto& e : entries) out.push_back(activity_to_json(e));
    return Reply::ok(out);
}

Reply connections(const Args& args, Services& s) {
    if (auto problem = check_limit(args)) return Reply::error(Code::Invalid, *problem);
    std::optional<std::int64_t> device_id;
    if (auto name = args.opt_str("device")) {
        auto d = s.store.find_device(*name);
        if (!d) return Reply::error(Code::NotFound, "device: device not found: " + *name);
        device_id = d->id;
    }
    json::array out;
    const auto limit = static_cast<std::size_t>(args.integer("limit", kDefaultLimit));
    for (const auto& e : s.store.connections(device_id, limit))
        out.push_back(connection_to_json(e));
    return Reply::ok(out);
}

}  // namespace

void register_log_commands(Registry& r, Services& s) {
    r.add({"log.activity",
           Access::Read,
           "activity log, newest first: since a time or for a duration back (2h), by object",
           {{"since", ArgType::String}, {"device", ArgType::String}, {"limit", ArgType::Integer}},
           [&s](const Args& a, const Caller&) { return activity(a, s); }});
    r.add({"log.connections",
           Access::Read,
           "connection log, newest first: connects, disconnects (bytes, duration), refusals",
           {{"device", ArgType::String}, {"limit", ArgType::Integer}},
           [&s](const Args& a, const Caller&) { return connections(a, s); }});
}

}  // namespace warden::control

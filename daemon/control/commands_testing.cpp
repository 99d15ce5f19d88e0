// testing.clock: moves the daemon's clock forward so end-to-end tests can reach an expiry
// or the end of a lockout without waiting. Registered only when wardend.conf has
// `[testing] clock_control = true`; a production daemon does not know the command.
#include "common/log.hpp"
#include "daemon/control/services.hpp"

namespace warden::control {
namespace {

constexpr std::int64_t kMaxAdvance = 10LL * 365 * 24 * 3600;

Reply advance_clock(const Args& args, const Caller& caller, Services& s) {
    const std::int64_t seconds = args.integer("advance", 0);
    if (seconds < 0 || seconds > kMaxAdvance)
        return Reply::error(Code::Invalid, "advance: must be 0.." + std::to_string(kMaxAdvance));
    s.clock.advance(seconds);
    s.audit(caller, "testing.clock", "", "advance=" + std::to_string(seconds));
    log::info("clock advanced",
              {{"seconds", std::to_string(seconds)}, {"offset", std::to_string(s.clock.offset())}});
    json::object result;
    result["now"] = s.clock.now();
    result["iso"] = iso_time(s.clock.now());
    result["offset"] = s.clock.offset();
    return Reply::ok(result);
}

}  // namespace

void register_testing_commands(Registry& r, Services& s) {
    if (!s.config.testing_clock_control) return;
    r.add({"testing.clock",
           Access::Write,
           "tests only: move the daemon's clock forward by `advance` seconds",
           {{"advance", ArgType::Integer}},
           [&s](const Args& a, const Caller& c) { return advance_clock(a, c, s); }});
}

}  // namespace warden::control

// The verdict index against the store it mirrors: 500 random admin write commands through
// the real registry (the daemon's after-write hook refreshing the index), and after EACH
// one every certificate's verdict, credential requirement and pushed routes from the
// index equal what decide() makes of fresh store reads. Seeded: WARDEN_SEED=<n> replays
// a failure (the seed is printed with it).
#include <cstdlib>
#include <ctime>
#include <map>
#include <random>

#include "control_fixture.hpp"
#include "daemon/core/auth_service.hpp"
#include "daemon/core/login.hpp"
#include "daemon/core/reach.hpp"
#include "daemon/core/totp.hpp"

using namespace warden;
using namespace warden::control;
using control::test::Fixture;

namespace {

const core::VpnPool kPool{*net::parse_network("10.8.0.0/16"), 0x0a080001};

struct Harness {
    Fixture f;
    core::SessionTable table;
    core::AuthService auth{*f.store, table, kPool, f.daemon_clock};
    std::mt19937 rng;
    int next_name = 0;

    explicit Harness(std::uint32_t seed) : rng(seed) {
        f.registry.after_write([this](const std::string& command) {
            auth.refresh(core::VerdictIndex::parts_changed_by(command));
            return std::string();
        });
        auth.refresh();
    }

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
    template <typename T>
    const T& any(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
    }

    std::vector<std::string> devices() {
        std::vector<std::string> out;
        for (const auto& d : f.store->list_devices()) out.push_back(d.name);
        return out;
    }
    std::vector<std::string> groups() {
        std::vector<std::string> out;
        for (const auto& g : f.store->list_groups()) out.push_back(g.name);
        return out;
    }
    std::string a_device() {
        auto all = devices();
        return all.empty() ? "nobody" : any(all);
    }
    std::string a_group() { return any(groups()); }
    std::string a_network() {
        return "192.168." + std::to_string(pick(8)) + ".0/" + std::to_string(24 + pick(3));
    }

    // One random write command; its reply may be an error (a refused change is a case too).
    std::string step() {
        switch (pick(18)) {
            case 0:
            case 1: {
                const bool router = pick(3) == 0;
                json::object args{{"name", "d" + std::to_string(next_name++)},
                                  {"type", router ? "router" : "pc"},
                                  {"group", a_group()}};
                if (router) args["network"] = a_network();
                return run("device.add", std::move(args));
            }
            case 2:
                return run("device.edit", {{"name", a_device()}, {"group", a_group()}});
            case 3:
                return run("device.edit", {{"name", a_device()}, {"network", a_network()}});
            case 4:
                return run("device.delete", {{"name", a_device()}});
            case 5:
                return run(pick(2) ? "device.activate" : "device.deactivate",
                           {{"name", a_device()}});
            case 6:
                return run("cert.new", {{"name", a_device()}});
            case 7: {
                const auto name = a_device();
                const auto d = f.store->find_device(name);
                const auto certs =
                    d ? f.store->certificates_of(d->id) : std::vector<store::Certificate>{};
                return run("cert.revoke",
                           {{"name", name}, {"serial", certs.empty() ? "01" : any(certs).serial}});
            }
            case 8: {
                const std::string expires = pick(2) ? "2099-01-01T00:00Z" : in_ten_days();
                return run("license.add", {{"name", "l" + std::to_string(next_name++)},
                                           {"seats", 1 + pick(3)},
                                           {"expires", expires}});
            }
            case 9: {
                std::vector<std::string> names{"default"};
                for (const auto& l : f.store->list_licenses()) names.push_back(l.name);
                return run("license.assign", {{"device", a_device()}, {"license", any(names)}});
            }
            case 10:
                return run("license.unassign", {{"device", a_device()}});
            case 11:
                return pick(2) ? run("group.add", {{"name", "g" + std::to_string(next_name++)}})
                               : run("group.delete", {{"name", a_group()}});
            case 12: {
                json::object args{{"from", a_group()}, {"to", a_group()}, {"both", pick(2) == 0}};
                return run("rule.add", std::move(args));
            }
            case 13: {
                const auto rules = f.store->list_rules();
                return run("rule.delete", {{"id", rules.empty() ? 1 : any(rules).id}});
            }
            case 14:
                return run("group.require-totp",
                           {{"group", a_group()}, {"state", pick(2) ? "on" : "off"}});
            case 15:
                return pick(2) ? run("device.password",
                                     {{"name", a_device()}, {"password", "correct horse 1"}})
                               : run("device.password", {{"name", a_device()}, {"clear", true}});
            case 16:  // time-restricted access: never released here, so refused while set
                return pick(2) ? run("tr.set", {{"device", a_device()},
                                                {"start", std::to_string(f.clock - 60)},
                                                {"end", std::to_string(f.clock + 3600)}})
                               : run("tr.off", {{"device", a_device()}});
            default:
                return totp_step();
        }
    }

    // TOTP setup, confirm (with the right code) or off for a random device.
    std::string totp_step() {
        const auto name = a_device();
        switch (pick(3)) {
            case 0:
                return run("totp.setup", {{"name", name}});
            case 1: {
                const auto d = f.store->find_device(name);
                const auto t = d ? f.store->find_totp(d->id) : std::nullopt;
                const auto code = t ? core::totp::code_at(t->secret, f.clock) : std::nullopt;
                return run("totp.confirm", {{"name", name}, {"code", code.value_or("000000")}});
            }
            default:
                return run("totp.off", {{"name", name}});
        }
    }

    std::string in_ten_days() const {
        const std::time_t t = static_cast<std::time_t>(f.clock + 10 * 86400);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%MZ", std::gmtime(&t));
        return text;
    }

    std::string run(const std::string& command, json::object args) {
        const auto reply = f.run(command, std::move(args));
        return command + (reply.code == Code::Ok ? " ok" : " refused: " + reply.message);
    }
};

// What the old hot path computed from the store for one serial, in comparable text.
std::string from_store(store::Store& store, const std::string& serial, std::int64_t now) {
    const auto v = core::decide(serial, store.find_by_serial(serial), kPool, now, true);
    std::string out = (v.allow ? "allow " : "deny ") + v.reason + " | " + v.config;
    if (!v.device) return out;
    const auto& d = *v.device;
    out += " | " + std::to_string(d.id) + " " + d.name + " " + d.group + " " +
           std::to_string(d.vpn_ip) + " " + std::to_string(d.active);
    out += " creds=" + std::to_string(core::needs_credentials(d, store.login_requirements(d.id)));
    const auto reachable =
        core::reachable_networks(d.group, store.routed_networks(), store.rules_of_group(d.group));
    return out + " | " + core::routing_config(d, core::routed_networks(reachable));
}

std::string from_index(const core::VerdictIndex& index, const std::string& serial,
                       std::int64_t now) {
    const auto v = core::decide(serial, index.binding(serial), kPool, now, true);
    std::string out = (v.allow ? "allow " : "deny ") + v.reason + " | " + v.config;
    if (!v.device) return out;
    const auto& d = *v.device;
    out += " | " + std::to_string(d.id) + " " + d.name + " " + d.group + " " +
           std::to_string(d.vpn_ip) + " " + std::to_string(d.active);
    out += " creds=" + std::to_string(core::needs_credentials(d, index.login_requirements(d.id)));
    return out + " | " + core::routing_config(d, index.reachable(d.group));
}

std::uint32_t seed_from_env() {
    const char* text = std::getenv("WARDEN_SEED");
    return text ? static_cast<std::uint32_t>(std::strtoul(text, nullptr, 10)) : 20261202u;
}

}  // namespace

TEST_CASE("verdict index: agrees with the store after each of 500 random write commands") {
    const std::uint32_t seed = seed_from_env();
    INFO("seed " << seed << " (replay: WARDEN_SEED=" << seed << ")");
    Harness h(seed);
    std::size_t compared = 0, allowed = 0;
    std::map<std::string, int> reasons;  // what the walk reached, shown if it is too dull
    for (int i = 0; i < 500; ++i) {
        const std::string command = h.step();
        INFO("command " << i << ": " << command);
        // Verdicts at another time too: certificates (30 days) and licenses (10 days) run
        // out, or are not valid yet.
        const std::int64_t now = h.f.clock + 3600 * (h.pick(40 * 24) - 24);
        for (const auto& cert : h.f.store->certificate_summaries()) {
            const std::string expected = from_store(*h.f.store, cert.serial, now);
            REQUIRE(from_index(h.auth.index(), cert.serial, now) == expected);
            ++compared;
            allowed += expected.rfind("allow", 0) == 0;
            ++reasons[expected.substr(0, expected.find(" | "))];
        }
        REQUIRE(h.auth.index().device_count() == h.f.store->device_count());
    }
    // The walk must reach interesting states, not refuse everything.
    for (const auto& [reason, count] : reasons) UNSCOPED_INFO(reason << ": " << count);
    CHECK(compared > 1000);
    CHECK(allowed > 100);
    CHECK(reasons["deny time-restricted: not released"] > 0);  // the TR part was exercised
}

namespace {

std::string connect(Harness& h, const std::string& serial) {
    core::ConnectRequest r;
    r.instance = "main";
    r.serial = serial;
    r.real_address = "192.0.2.5:4000";
    const auto reply = h.auth.connect(r);
    return reply.allow ? "allow " + reply.config : "deny " + reply.reason;
}

std::string newest_serial(Harness& h, const std::string& device) {
    return h.f.store->certificates_of(h.f.store->find_device(device)->id).back().serial;
}

}  // namespace

TEST_CASE("verdict index: a verdict right after each kind of write sees it") {
    Harness h(1);
    auto ok = [&h](const std::string& command, json::object args) {
        REQUIRE(h.f.run(command, std::move(args)).code == Code::Ok);
    };
    ok("device.add", {{"name", "laptop"}, {"type", "pc"}});
    std::string serial = newest_serial(h, "laptop");
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);

    ok("device.deactivate", {{"name", "laptop"}});
    CHECK(connect(h, serial) == "deny device deactivated");
    ok("device.activate", {{"name", "laptop"}});
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);

    ok("license.unassign", {{"device", "laptop"}});
    CHECK(connect(h, serial) == "deny no license");
    ok("license.add", {{"name", "gold"}, {"seats", 1}, {"expires", "2099-01-01T00:00Z"}});
    ok("license.assign", {{"device", "laptop"}, {"license", "gold"}});
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);

    ok("group.require-totp", {{"group", "default"}, {"state", "on"}});
    CHECK(connect(h, serial).rfind("deny credentials required", 0) == 0);
    ok("group.require-totp", {{"group", "default"}, {"state", "off"}});
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);
    ok("device.password", {{"name", "laptop"}, {"password", "correct horse 1"}});
    CHECK(connect(h, serial).rfind("deny credentials required", 0) == 0);
    ok("device.password", {{"name", "laptop"}, {"clear", true}});
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);

    ok("group.add", {{"name", "plant"}});
    ok("device.add",
       {{"name", "r1"}, {"type", "router"}, {"group", "plant"}, {"network", "192.168.7.0/24"}});
    const std::string route = "push \"route 192.168.7.0 255.255.255.0\"";
    CHECK(connect(h, serial).find(route) == std::string::npos);
    ok("rule.add", {{"from", "default"}, {"to", "plant"}});
    CHECK(connect(h, serial).find(route) != std::string::npos);
    ok("device.edit", {{"name", "r1"}, {"network", "192.168.8.0/24"}});
    CHECK(connect(h, serial).find("192.168.8.0") != std::string::npos);
    ok("rule.delete", {{"id", h.f.store->list_rules().front().id}});
    CHECK(connect(h, serial).find("192.168.8.0") == std::string::npos);

    ok("cert.revoke", {{"name", "laptop"}, {"serial", serial}});
    CHECK(connect(h, serial) == "deny certificate revoked");
    ok("cert.new", {{"name", "laptop"}});
    serial = newest_serial(h, "laptop");
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);

    ok("device.edit", {{"name", "laptop"}, {"new_name", "laptop2"}});
    CHECK(connect(h, serial).rfind("allow ", 0) == 0);
    CHECK(h.table.find("main", "192.0.2.5:4000")->device_name == "laptop2");
    ok("device.delete", {{"name", "laptop2"}});
    CHECK(connect(h, serial) == "deny certificate revoked");
}

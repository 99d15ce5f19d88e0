#include <catch2/catch.hpp>

#include "daemon/core/decision.hpp"
#include "daemon/core/time_restriction.hpp"

using namespace warden;

namespace {

const core::VpnPool kPool{*net::parse_network("10.8.0.0/24"), 0x0a080001};

store::CertBinding active_binding() {
    store::CertBinding b;
    b.cert.serial = "a1b2";
    b.cert.not_before = 1000;
    b.cert.not_after = 5000;
    store::Device d;
    d.id = 7;
    d.name = "laptop";
    d.vpn_ip = 0x0a08000a;
    b.device = d;
    store::License l;
    l.id = 1;
    l.name = "default";
    l.seats = 10;
    b.license = l;
    return b;
}

}  // namespace

TEST_CASE("an active device with a valid certificate is admitted with its address") {
    auto until_later = active_binding();
    until_later.license->expires_at = 2001;
    CHECK(core::decide("a1b2", until_later, kPool, 2000, false).allow);
    auto v = core::decide("A1:B2", active_binding(), kPool, 2000, true);
    CHECK(v.allow);
    CHECK(v.reason.empty());
    CHECK(v.config == "ifconfig-push 10.8.0.10 255.255.255.0\n");
    REQUIRE(v.device);
    CHECK(v.device->name == "laptop");
    CHECK(core::decide("a1b2", active_binding(), kPool, 2000, false).config.empty());
}

TEST_CASE("everything else is refused with a reason") {
    struct Case {
        const char* name;
        std::function<void(std::optional<store::CertBinding>&, std::string&, std::int64_t&)> change;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"no serial", [](auto&, auto& serial, auto&) { serial = ""; },
         "no client certificate serial"},
        {"garbage serial", [](auto&, auto& serial, auto&) { serial = "zz"; },
         "no client certificate serial"},
        {"unknown certificate", [](auto& b, auto&, auto&) { b.reset(); },
         "certificate not registered"},
        {"revoked", [](auto& b, auto&, auto&) { b->cert.revoked_at = 1500; },
         "certificate revoked"},
        {"expired", [](auto&, auto&, auto& now) { now = 5001; }, "certificate expired"},
        {"not yet valid", [](auto&, auto&, auto& now) { now = 999; }, "certificate not yet valid"},
        {"device deleted", [](auto& b, auto&, auto&) { b->device.reset(); }, "device deleted"},
        {"deactivated", [](auto& b, auto&, auto&) { b->device->active = false; },
         "device deactivated"},
        {"outside pool", [](auto& b, auto&, auto&) { b->device->vpn_ip = 0x0a090001; },
         "device address outside the VPN pool"},
        {"no seat", [](auto& b, auto&, auto&) { b->license.reset(); }, "no license"},
        {"license expired", [](auto& b, auto&, auto&) { b->license->expires_at = 2000; },
         "no license"},
        {"deactivated beats no seat",
         [](auto& b, auto&, auto&) {
             b->license.reset();
             b->device->active = false;
         },
         "device deactivated"},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            std::optional<store::CertBinding> binding = active_binding();
            std::string serial = "a1b2";
            std::int64_t now = 2000;
            c.change(binding, serial, now);
            auto v = core::decide(serial, binding, kPool, now, true);
            CHECK_FALSE(v.allow);
            CHECK(v.reason == c.reason);
            CHECK(v.config.empty());
        }
    }
}

TEST_CASE("a time-restricted device connects only while released") {
    auto b = active_binding();
    b.time_restriction = store::TrGate{};  // never released
    auto v = core::decide("a1b2", b, kPool, 2000, true);
    CHECK_FALSE(v.allow);
    CHECK(v.reason == core::kNotReleased);
    REQUIRE(v.device);  // the refusal names the device: its attempt mails a token
    CHECK(v.device->id == 7);

    b.time_restriction->released_until = 2001;
    CHECK(core::decide("a1b2", b, kPool, 2000, true).allow);
    CHECK(core::decide("a1b2", b, kPool, 2001, true).reason == core::kNotReleased);  // ended

    // Other refusals come first: a released device with a revoked certificate stays out.
    b.cert.revoked_at = 1500;
    CHECK(core::decide("a1b2", b, kPool, 2000, true).reason == "certificate revoked");
}

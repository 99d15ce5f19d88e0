// The one rule for who logs in with more than a certificate (core/credential_rules).
#include <catch2/catch.hpp>

#include "daemon/core/credential_rules.hpp"

using namespace warden;
using namespace warden::core;

namespace {

store::Device of_type(store::DeviceType type) {
    store::Device d;
    d.type = type;
    return d;
}

}  // namespace

TEST_CASE("credential rules: the group's TOTP requirement applies to pcs only") {
    const auto pc = of_type(store::DeviceType::Pc);
    const auto router = of_type(store::DeviceType::Router);
    CHECK(totp_required_by_group(pc, true));
    CHECK_FALSE(totp_required_by_group(pc, false));
    CHECK_FALSE(totp_required_by_group(router, true));
}

TEST_CASE("credential rules: TOTP enforced or a password or the group's rule need credentials") {
    const auto pc = of_type(store::DeviceType::Pc);
    const auto router = of_type(store::DeviceType::Router);
    CHECK_FALSE(needs_credentials(pc, {false, false, false}));
    CHECK(needs_credentials(pc, {true, false, false}));
    CHECK(needs_credentials(pc, {false, true, false}));
    CHECK(needs_credentials(pc, {false, false, true}));
    CHECK_FALSE(needs_credentials(router, {false, false, true}));
    // A router's own TOTP or password still counts.
    CHECK(needs_credentials(router, {true, false, true}));
    CHECK(needs_credentials(router, {false, true, false}));
    // A password alone needs no code.
    CHECK_FALSE(needs_totp(pc, {false, true, false}));
    CHECK(needs_totp(pc, {false, true, true}));
    CHECK_FALSE(needs_totp(router, {false, true, true}));
}

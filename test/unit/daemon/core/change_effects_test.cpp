// What another node's change means here (core/change_effects): each tracked table maps to
// the reloads and checks it needs, and an unknown table means everything.
#include <catch2/catch.hpp>

#include "daemon/core/change_effects.hpp"
#include "daemon/core/verdict_index.hpp"

using namespace warden::core;

TEST_CASE("change effects: a revoke reloads certificates, rechecks sessions and the CRL") {
    const auto e = effects_of({"certificates"});
    CHECK(e.index_parts == VerdictIndex::kCertificates);
    CHECK(e.recheck_sessions);
    CHECK(e.crl);
    CHECK_FALSE(e.firewall);
    CHECK_FALSE(e.orders);
}

TEST_CASE("change effects: a rule refreshes the firewall, not sessions or the CRL") {
    const auto e = effects_of({"rules"});
    CHECK(e.index_parts == VerdictIndex::kRoutes);
    CHECK(e.firewall);
    CHECK_FALSE(e.recheck_sessions);
    CHECK_FALSE(e.crl);
}

TEST_CASE("change effects: several tables add up, orders are their own effect") {
    const auto e = effects_of({"device_totp", "node_orders", "licenses"});
    CHECK(e.index_parts == (VerdictIndex::kLogins | VerdictIndex::kLicenses));
    CHECK(e.orders);
    CHECK(e.recheck_sessions);
    CHECK(effects_of({"node_orders"}).index_parts == 0);
    // Where devices are connected moves routes between nodes, nothing else.
    const auto moved = effects_of({"node_sessions"});
    CHECK(moved.routes);
    CHECK_FALSE(moved.recheck_sessions);
    CHECK(moved.index_parts == 0);
}

TEST_CASE("change effects: an unknown table means everything, nothing means nothing") {
    const auto e = effects_of({"rules", "a_table_of_a_newer_schema"});
    CHECK(e.index_parts == VerdictIndex::kAll);
    CHECK(e.recheck_sessions);
    CHECK(e.crl);
    CHECK(e.firewall);
    CHECK(e.routes);
    CHECK(e.orders);
    CHECK_FALSE(effects_of({}).any());
    CHECK(all_effects().index_parts == VerdictIndex::kAll);
}

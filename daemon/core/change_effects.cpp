#include "daemon/core/change_effects.hpp"

#include <array>
#include <string_view>

#include "daemon/core/verdict_index.hpp"

namespace warden::core {
namespace {

using VI = VerdictIndex;

struct TableEffects {
    std::string_view table;
    ChangeEffects effects;
};

// The tables schema/pg/012_nodes.sql tracks.
const std::array<TableEffects, 14>& table_effects() {
    static const std::array<TableEffects, 14> kTables = {{
        // Devices carry their group, networks, active flag and VPN address.
        {"devices",
         {.index_parts = VI::kAll,
          .recheck_sessions = true,
          .firewall = true,
          .routes = true,
          .tr_schedule = true}},
        {"certificates", {.index_parts = VI::kCertificates, .recheck_sessions = true, .crl = true}},
        {"groups", {.index_parts = VI::kRoutes | VI::kLogins, .firewall = true, .routes = true}},
        {"rules", {.index_parts = VI::kRoutes, .firewall = true}},
        {"licenses", {.index_parts = VI::kLicenses, .recheck_sessions = true}},
        {"license_seats", {.index_parts = VI::kLicenses | VI::kDevices, .recheck_sessions = true}},
        {"device_totp", {.index_parts = VI::kLogins}},
        {"device_login", {.index_parts = VI::kLogins}},
        {"device_tr",
         {.index_parts = VI::kTimeRestriction, .recheck_sessions = true, .tr_schedule = true}},
        {"enroll_cas",
         {.index_parts = VI::kEnrollment | VI::kCertificates, .recheck_sessions = true}},
        {"rejected_certs", {.index_parts = VI::kEnrollment}},
        {"node_orders", {.orders = true}},
        // Where devices are connected, and where their nodes are: routes between nodes.
        {"node_sessions", {.routes = true}},
        {"nodes", {.routes = true}},
    }};
    return kTables;
}

}  // namespace

void merge(ChangeEffects& into, const ChangeEffects& e) {
    into.index_parts |= e.index_parts;
    into.recheck_sessions = into.recheck_sessions || e.recheck_sessions;
    into.crl = into.crl || e.crl;
    into.firewall = into.firewall || e.firewall;
    into.routes = into.routes || e.routes;
    into.tr_schedule = into.tr_schedule || e.tr_schedule;
    into.orders = into.orders || e.orders;
}

ChangeEffects all_effects() {
    return {.index_parts = VI::kAll,
            .recheck_sessions = true,
            .crl = true,
            .firewall = true,
            .routes = true,
            .tr_schedule = true,
            .orders = true};
}

ChangeEffects effects_of(const std::vector<std::string>& objects) {
    ChangeEffects out;
    for (const auto& object : objects) {
        bool known = false;
        for (const auto& t : table_effects()) {
            if (t.table != object) continue;
            merge(out, t.effects);
            known = true;
            break;
        }
        if (!known) return all_effects();
    }
    return out;
}

}  // namespace warden::core

// What a change another node made means for this node (issue 14, several nodes on one
// PostgreSQL state). The database's change log names the tables each committed statement
// changed (schema/pg/012_nodes.sql); this maps them to what the node must do again:
// reload parts of its verdict index, check live sessions against it, rewrite the CRL and
// pki/revoked, refresh the firewall and routes, or carry out orders addressed to it.
// Pure: the daemon applies the effects.
#pragma once

#include <string>
#include <vector>

namespace warden::core {

struct ChangeEffects {
    unsigned index_parts = 0;       // VerdictIndex::k* bits to reload
    bool recheck_sessions = false;  // a live session may have lost its allow
    bool crl = false;               // revoked certificates may have changed
    bool firewall = false;
    bool routes = false;
    bool tr_schedule = false;  // a release may start or end at another time
    bool orders = false;       // node_orders: sessions to end on this node
    bool any() const {
        return index_parts != 0 || recheck_sessions || crl || firewall || routes || tr_schedule ||
               orders;
    }
};

// `objects`: the changed tables. An unknown table (a newer schema, a manual edit) means
// everything, so nothing is ever missed.
ChangeEffects effects_of(const std::vector<std::string>& objects);

// Adds `e`'s effects to `into`.
void merge(ChangeEffects& into, const ChangeEffects& e);

// Everything: after the node lost track (its feed was away longer than the change log
// keeps rows).
ChangeEffects all_effects();

}  // namespace warden::core

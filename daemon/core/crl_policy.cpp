#include "daemon/core/crl_policy.hpp"

namespace warden::core {
namespace {

CrlVerdict resign(std::string_view reason) {
    return {true, reason, 0};
}

}  // namespace

CrlVerdict judge_crl(const CrlFacts& facts, std::int64_t now) {
    if (!facts.present) return resign("missing");
    if (!facts.parsed) return resign("unparsable");
    if (!facts.signed_by_ca) return resign("foreign");
    if (!facts.revoked_match) return resign("revoked-differs");
    if (!facts.next_update) return resign("no-next-update");
    // OpenSSL accepts no clock skew on lastUpdate: one in the future (the clock was set
    // back) is "CRL is not yet valid" for every handshake.
    if (facts.last_update > now) return resign("not-yet-valid");
    if (*facts.next_update <= now) return resign("expired");
    const std::int64_t half_life = facts.last_update + (*facts.next_update - facts.last_update) / 2;
    if (half_life <= now) return resign("half-life");
    return {false, {}, half_life};
}

}  // namespace warden::core

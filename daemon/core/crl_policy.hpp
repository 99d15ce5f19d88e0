// When the CRL in pki/crl.pem must be signed again (issue 9, "time bombs"). OpenVPN's
// crl-verify refuses EVERY client once the CRL's nextUpdate has passed, and admits revoked
// certificates when the file lost entries, so the daemon judges the file on disk, never
// its memory of what it wrote. Pure: the caller reads the file and applies the verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace warden::core {

// What was found in the file. `parsed` implies `present`.
struct CrlFacts {
    bool present = false;        // the file exists and could be read
    bool parsed = false;         // it holds a well-formed CRL
    bool signed_by_ca = false;   // by the daemon's CA (issuer and signature)
    bool revoked_match = false;  // its revoked serials are exactly the store's
    std::int64_t last_update = 0;
    std::optional<std::int64_t> next_update;
};

struct CrlVerdict {
    bool resign = false;
    // Why it must be signed again: missing, unparsable, foreign, revoked-differs,
    // no-next-update, not-yet-valid, expired, half-life. Empty when it is fine.
    std::string_view reason;
    // When a CRL that is fine now needs signing again (half of its life); 0 with `resign`.
    std::int64_t resign_at = 0;
};

// A fine CRL is re-signed once less than half of its life (lastUpdate..nextUpdate) is
// left, so a daemon that is down or failing for a while still leaves days of margin.
CrlVerdict judge_crl(const CrlFacts& facts, std::int64_t now);

}  // namespace warden::core

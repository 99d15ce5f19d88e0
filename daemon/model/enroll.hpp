// Rows of device enrollment by fingerprint (schema/011_enrollment.sql, SPEC §5): the CAs
// whose certificates may enroll, the certificates waiting for an admin's decision and
// the ones an admin rejected. An accepted certificate becomes an ordinary
// model::Certificate row with `enroll_ca` set. Store methods: store/store.hpp; the rules:
// core/enrollment.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::model {

// A CA an operator trusts for enrollment. OpenVPN accepts TLS from its certificates;
// warden still refuses each one until an admin accepted its fingerprint.
struct EnrollCa {
    std::string name;
    std::string subject;      // display form
    std::string fingerprint;  // SHA-256, text::normalize_fingerprint form
    std::int64_t not_after = 0;
    std::string cert_pem;
    std::int64_t added_at = 0;
};

// Why a pending certificate waits: for the admin, or for a client update first
// ([enroll] min_client_version: the client's IV_VER is older).
enum class PendingState { Pending, UpdateRequired };

inline std::string_view to_string(PendingState state) {
    return state == PendingState::UpdateRequired ? "update-required" : "pending";
}

inline std::optional<PendingState> parse_pending_state(std::string_view text) {
    if (text == "pending") return PendingState::Pending;
    if (text == "update-required") return PendingState::UpdateRequired;
    return std::nullopt;
}

// What a refused certificate showed, as recorded (pending) or as it was when rejected.
struct CertSighting {
    std::string fingerprint;  // key
    std::string serial;       // normalized hex
    std::string common_name;
    std::string subject;
    std::string issuer;
    std::string enroll_ca;                  // the listed CA it chains to
    std::optional<std::int64_t> not_after;  // unknown when the plugin could not tell
    std::string address;                    // last source "ip:port"
    std::string peer_version;               // IV_VER
    std::string peer_platform;              // IV_PLAT
};

struct PendingCert {
    CertSighting cert;
    PendingState state = PendingState::Pending;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::int64_t attempts = 0;
};

struct RejectedCert {
    CertSighting cert;
    std::int64_t rejected_at = 0;
    std::string rejected_by;    // the admin
    std::int64_t attempts = 0;  // refused connects since
    std::optional<std::int64_t> last_seen;
};

}  // namespace warden::model

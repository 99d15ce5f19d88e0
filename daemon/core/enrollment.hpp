// Devices that bring their own certificate (SPEC §5): which of the four cases a client
// certificate is in, as a pure function of what the verdict index knows.
//
//   own or accepted   bound to a device by serial AND fingerprint -> decide() as always
//   untrusted         chains to no listed enrollment CA -> "certificate not registered"
//   rejected          refused quietly: no pending row, no log line, only a counter
//   update required   IV_VER below [enroll] min_client_version -> pending, so marked
//   pending           recorded (fingerprint, serial, names, address, IV_VER ...), refused
//
// A serial is only a name a CA gave: once OpenVPN trusts other CAs, one of them may
// issue a certificate with the serial of one of ours. So a stored certificate counts
// only when the fingerprint matches too; otherwise the client is a stranger.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/client_version.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/decision.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/model/enroll.hpp"

namespace warden::core {

inline constexpr std::string_view kPendingAuthorization = "pending authorization";
inline constexpr std::string_view kUpdateRequired = "update required";
inline constexpr std::string_view kCertificateRejected = "certificate rejected";
inline constexpr std::string_view kCaNotListed = "enrollment CA not listed";

using EnrollPolicy = EnrollConfig;

// What the verdict index knows about enrollment.
class EnrollmentView {
  public:
    virtual ~EnrollmentView() = default;
    // The listed CA whose certificate has one of these fingerprints (the client's chain
    // above its own certificate), if any.
    virtual std::optional<std::string> listed_ca(
        const std::vector<std::string>& chain_fingerprints) const = 0;
    virtual bool ca_listed(std::string_view name) const = 0;
    virtual bool rejected(std::string_view fingerprint) const = 0;
};

// What to record about a refused enrollment candidate (the caller's effect).
enum class Sighting { None, Pending, UpdateRequired, Rejected };

struct Admission {
    Verdict verdict;
    Sighting sighting = Sighting::None;
    model::CertSighting cert;  // set unless sighting is None
    // A rejected certificate's refusal leaves no log line and no connection-log row.
    bool quiet() const { return sighting == Sighting::Rejected; }
};

// True when `stored` (any hex form) and `presented` (normalized) are the same digest.
bool same_fingerprint(std::string_view stored, std::string_view presented);

// The verdict for a client and what to record. `binding` is the store's entry for the
// request's serial (nullopt: none).
Admission admit(const ClientRequest& request, const std::optional<store::CertBinding>& binding,
                const EnrollmentView& view, const EnrollPolicy& policy, const VpnPool& pool,
                std::int64_t now, bool with_config);

// The CN of an OpenVPN subject line ("C=DE, O=x, CN=name" -> "name"; the last CN).
std::string common_name_of(std::string_view subject);

}  // namespace warden::core

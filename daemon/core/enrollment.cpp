#include "daemon/core/enrollment.hpp"

#include "common/text.hpp"

namespace warden::core {
namespace {

Admission refused(std::string_view reason, Sighting sighting, model::CertSighting cert = {}) {
    Admission a;
    a.verdict.reason = std::string(reason);
    a.sighting = sighting;
    a.cert = std::move(cert);
    return a;
}

model::CertSighting sighting_of(const ClientRequest& r, std::string ca) {
    model::CertSighting c;
    c.fingerprint = r.fingerprint;
    c.serial = r.serial;
    c.common_name = r.common_name.empty() ? common_name_of(r.cert_subject) : r.common_name;
    c.subject = r.cert_subject;
    c.issuer = r.cert_issuer;
    c.enroll_ca = std::move(ca);
    c.not_after = r.cert_not_after;
    c.address = r.real_address;
    c.peer_version = r.peer_version;
    c.peer_platform = r.peer_platform;
    return c;
}

bool below_minimum(const ClientRequest& r, const EnrollPolicy& policy) {
    if (!policy.min_client_version) return false;
    // A client that does not say its version cannot show it is new enough.
    const auto version = parse_client_version(r.peer_version);
    return !version || *version < *policy.min_client_version;
}

}  // namespace

bool same_fingerprint(std::string_view stored, std::string_view presented) {
    const std::string normalized = text::normalize_fingerprint(stored);
    return !normalized.empty() && normalized == presented;
}

Admission admit(const ClientRequest& request, const std::optional<store::CertBinding>& binding,
                const EnrollmentView& view, const EnrollPolicy& policy, const VpnPool& pool,
                std::int64_t now, bool with_config) {
    // No fingerprint (an older plugin): the serial decides, as before enrollment existed.
    const bool bound =
        binding && (request.fingerprint.empty() ||
                    same_fingerprint(binding->cert.fingerprint, request.fingerprint));
    if (bound) {
        if (!binding->cert.enroll_ca.empty() && !view.ca_listed(binding->cert.enroll_ca))
            return refused(kCaNotListed, Sighting::None);
        Admission a;
        a.verdict = decide(request.serial, binding, pool, now, with_config);
        return a;
    }
    const auto ca =
        request.fingerprint.empty() ? std::nullopt : view.listed_ca(request.issuer_fingerprints);
    if (!ca) {
        Admission a;
        a.verdict = decide(request.serial, std::nullopt, pool, now, with_config);
        return a;
    }
    if (view.rejected(request.fingerprint))
        return refused(kCertificateRejected, Sighting::Rejected, sighting_of(request, *ca));
    if (below_minimum(request, policy))
        return refused(kUpdateRequired, Sighting::UpdateRequired, sighting_of(request, *ca));
    return refused(kPendingAuthorization, Sighting::Pending, sighting_of(request, *ca));
}

std::string common_name_of(std::string_view subject) {
    // OpenVPN separates RDNs by ", " and escapes a comma inside a value as "\,".
    std::string last;
    std::size_t pos = 0;
    while (pos < subject.size()) {
        std::size_t end = pos;
        while (end < subject.size() &&
               !(subject[end] == ',' && (end == 0 || subject[end - 1] != '\\')))
            ++end;
        std::string_view rdn = subject.substr(pos, end - pos);
        while (!rdn.empty() && rdn.front() == ' ') rdn.remove_prefix(1);
        if (text::starts_with(rdn, "CN=")) last = std::string(rdn.substr(3));
        pos = end + 1;
    }
    return last;
}

}  // namespace warden::core

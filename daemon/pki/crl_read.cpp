// Reading a CRL back from disk: validity, issuer signature and the revoked serials, so the
// daemon can tell whether pki/crl.pem still says what the store says.

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>

#include "common/text.hpp"
#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

namespace warden::pki {
namespace {

// Never prompts: a CRL is not encrypted, so any request for a password is a bad file.
int no_password(char*, int, int, void*) {
    return -1;
}

detail::Crl load_crl(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
    const detail::Bio in = detail::read_bio(pem);
    return detail::Crl(PEM_read_bio_X509_CRL(in.get(), nullptr, no_password, nullptr));
}

// Same form as CertInfo::serial: the INTEGER's content bytes in hex, normalized.
std::string entry_serial(const X509_REVOKED* entry) {
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
    return text::normalize_serial(detail::to_hex(
        ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))));
}

// Issuer name and signature both: a CRL of another CA with the same name must not pass.
bool signed_by(X509_CRL* crl, std::string_view ca_cert_pem) {
    const detail::Cert ca = detail::load_cert(ca_cert_pem);
    if (!ca) return false;
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca.get())) != 0) return false;
    EVP_PKEY* key = X509_get0_pubkey(ca.get());
    return key != nullptr && X509_CRL_verify(crl, key) == 1;
}

std::optional<CrlInfo> describe(X509_CRL* crl, std::string_view ca_cert_pem) {
    CrlInfo info;
    const auto last = detail::unix_time(X509_CRL_get0_lastUpdate(crl));
    if (!last) return std::nullopt;
    info.last_update = *last;
    if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl)) {
        info.next_update = detail::unix_time(next);
        if (!info.next_update) return std::nullopt;
    }
    STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
    const int count = entries == nullptr ? 0 : sk_X509_REVOKED_num(entries);
    for (int i = 0; i < count; ++i) {
        std::string serial = entry_serial(sk_X509_REVOKED_value(entries, i));
        if (serial.empty()) return std::nullopt;
        info.revoked.push_back(std::move(serial));
    }
    std::sort(info.revoked.begin(), info.revoked.end());
    info.signed_by_ca = signed_by(crl, ca_cert_pem);
    return info;
}

}  // namespace

std::optional<CrlInfo> inspect_crl(std::string_view crl_pem, std::string_view ca_cert_pem) {
    const detail::Crl crl = load_crl(crl_pem);
    auto info = crl ? describe(crl.get(), ca_cert_pem) : std::nullopt;
    // A bad file is an expected outcome: leave no errors for the next OpenSSL caller.
    ERR_clear_error();
    return info;
}

}  // namespace warden::pki

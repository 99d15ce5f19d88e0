// The certificate revocation list OpenVPN loads with `crl-verify`.

#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <stdexcept>

#include "common/text.hpp"
#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

namespace warden::pki {
namespace {

using detail::check;

detail::Asn1Integer serial_from_text(const std::string& serial) {
    const std::string hex = text::normalize_serial(serial);
    if (hex.empty()) throw std::runtime_error("invalid certificate serial: '" + serial + "'");
    BIGNUM* raw = nullptr;
    const int parsed = BN_hex2bn(&raw, hex.c_str());
    const detail::Bignum number(raw);
    check(number != nullptr && static_cast<std::size_t>(parsed) == hex.size(), "BN_hex2bn");
    detail::Asn1Integer out(BN_to_ASN1_INTEGER(number.get(), nullptr));
    check(out != nullptr, "BN_to_ASN1_INTEGER");
    return out;
}

detail::Asn1Time time_at(std::int64_t unix_seconds, int plus_days) {
    detail::Asn1Time out(
        ASN1_TIME_adj(nullptr, static_cast<std::time_t>(unix_seconds), plus_days, 0));
    check(out != nullptr, "ASN1_TIME_adj");
    return out;
}

void add_revoked(X509_CRL* crl, const Revoked& revoked) {
    detail::RevokedEntry entry(X509_REVOKED_new());
    check(entry != nullptr, "X509_REVOKED_new");
    const detail::Asn1Integer serial = serial_from_text(revoked.serial);
    check(X509_REVOKED_set_serialNumber(entry.get(), serial.get()) == 1,
          "X509_REVOKED_set_serialNumber");
    const detail::Asn1Time when = time_at(revoked.revoked_at, 0);
    check(X509_REVOKED_set_revocationDate(entry.get(), when.get()) == 1,
          "X509_REVOKED_set_revocationDate");
    check(X509_CRL_add0_revoked(crl, entry.get()) == 1, "X509_CRL_add0_revoked");
    (void)entry.release();  // owned by the CRL now
}

void set_validity(X509_CRL* crl, std::int64_t now, int days_valid) {
    const detail::Asn1Time last = time_at(now, 0);
    const detail::Asn1Time next = time_at(now, days_valid);
    check(X509_CRL_set1_lastUpdate(crl, last.get()) == 1, "X509_CRL_set1_lastUpdate");
    check(X509_CRL_set1_nextUpdate(crl, next.get()) == 1, "X509_CRL_set1_nextUpdate");
}

// RFC 5280 §5.2: a conforming CRL carries the issuer's key id and a CRL number that
// grows with every issue. `now` grows between the daemon's rewrites, so it serves.
void add_crl_extensions(X509_CRL* crl, X509* ca_cert, std::int64_t now) {
    X509V3_CTX ctx{};
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca_cert, nullptr, nullptr, crl, 0);
    const detail::Extension akid(
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
    check(akid != nullptr, "extension authorityKeyIdentifier");
    check(X509_CRL_add_ext(crl, akid.get(), -1) == 1, "X509_CRL_add_ext");

    const detail::Asn1Integer number(ASN1_INTEGER_new());
    check(number != nullptr && ASN1_INTEGER_set_int64(number.get(), now) == 1, "crlNumber");
    check(X509_CRL_add1_ext_i2d(crl, NID_crl_number, number.get(), 0, 0) == 1,
          "X509_CRL_add1_ext_i2d");
}

std::string crl_pem(X509_CRL* crl) {
    const detail::Bio out = detail::write_bio();
    check(PEM_write_bio_X509_CRL(out.get(), crl) == 1, "PEM_write_bio_X509_CRL");
    return detail::bio_contents(out.get());
}

}  // namespace

std::string make_crl(const Material& ca, const std::vector<Revoked>& revoked, std::int64_t now,
                     int days_valid) {
    if (days_valid <= 0) throw std::runtime_error("CRL validity must be at least one day");
    const detail::Signer signer = detail::load_signer(ca.cert_pem, ca.key_pem);
    const detail::Crl crl(X509_CRL_new());
    check(crl != nullptr, "X509_CRL_new");
    check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "X509_CRL_set_version");
    check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(signer.cert.get())) == 1,
          "X509_CRL_set_issuer_name");
    set_validity(crl.get(), now, days_valid);
    for (const Revoked& r : revoked) add_revoked(crl.get(), r);
    check(X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");
    add_crl_extensions(crl.get(), signer.cert.get(), now);
    check(X509_CRL_sign(crl.get(), signer.key.get(), EVP_sha256()) > 0, "X509_CRL_sign");
    return crl_pem(crl.get());
}

}  // namespace warden::pki

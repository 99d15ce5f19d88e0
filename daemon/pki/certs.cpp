// X.509 certificates: creating the self-signed CA and the leaf certificates it signs,
// and reading serial, fingerprint, names and validity back from a PEM certificate.

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <stdexcept>
#include <variant>

#include "common/text.hpp"
#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

namespace warden::pki {
namespace {

using detail::check;

// Backdating notBefore lets peers whose clock is slightly behind accept a fresh cert.
constexpr std::time_t kClockSkewSeconds = 60;
// X.520 upper bound for commonName; OpenSSL rejects longer ones with an opaque error.
constexpr std::size_t kMaxCommonName = 64;

detail::Name make_name(const std::string& common_name) {
    if (common_name.empty() || common_name.size() > kMaxCommonName) {
        throw std::runtime_error("common name must be 1 to 64 bytes: '" + common_name + "'");
    }
    detail::Name name(X509_NAME_new());
    check(name != nullptr, "X509_NAME_new");
    const auto* bytes = reinterpret_cast<const unsigned char*>(common_name.data());
    check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8, bytes,
                                     static_cast<int>(common_name.size()), -1, 0) == 1,
          "X509_NAME_add_entry_by_txt");
    return name;
}

// A v3 certificate with a random serial, validity, subject and public key; no issuer,
// extensions or signature yet.
detail::Cert new_cert(const X509_NAME* subject, EVP_PKEY* key, int days) {
    if (days <= 0) throw std::runtime_error("certificate validity must be at least one day");
    detail::Cert cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    const detail::Asn1Integer serial = detail::random_serial();
    check(X509_set_serialNumber(cert.get(), serial.get()) == 1, "X509_set_serialNumber");

    const std::time_t now = std::time(nullptr);
    check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), now - kClockSkewSeconds) != nullptr,
          "ASN1_TIME_set notBefore");
    check(ASN1_TIME_adj(X509_getm_notAfter(cert.get()), now, days, 0) != nullptr,
          "ASN1_TIME_adj notAfter");
    check(X509_set_subject_name(cert.get(), subject) == 1, "X509_set_subject_name");
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    return cert;
}

// Context for X509V3_EXT_conf_nid: SKI "hash" reads the subject's key, AKI "keyid"
// copies the issuer's SKI.
X509V3_CTX extension_context(X509* issuer, X509* subject) {
    X509V3_CTX ctx{};
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, subject, nullptr, nullptr, 0);
    return ctx;
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const char* value) {
    const detail::Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    check(ext != nullptr, std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void sign(X509* cert, EVP_PKEY* key) {
    check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
}

void add_ca_extensions(X509* cert) {
    X509V3_CTX ctx = extension_context(cert, cert);
    add_extension(cert, ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    // SKI first: the AKI of a self-signed cert is taken from its own SKI.
    add_extension(cert, ctx, NID_subject_key_identifier, "hash");
    add_extension(cert, ctx, NID_authority_key_identifier, "keyid:always");
}

// OpenVPN's `remote-cert-tls server|client` requires a keyUsage extension to be present
// and the matching extendedKeyUsage (TLS Web Server / Client Authentication).
void add_leaf_extensions(X509* cert, X509* ca_cert, CertKind kind) {
    X509V3_CTX ctx = extension_context(ca_cert, cert);
    add_extension(cert, ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, ctx, NID_key_usage, "critical,digitalSignature,keyAgreement");
    add_extension(cert, ctx, NID_ext_key_usage,
                  kind == CertKind::Server ? "serverAuth" : "clientAuth");
    add_extension(cert, ctx, NID_subject_key_identifier, "hash");
    add_extension(cert, ctx, NID_authority_key_identifier, "keyid:always");
}

}  // namespace

namespace detail {

std::optional<std::int64_t> unix_time(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

Signer load_signer(std::string_view cert_pem, std::string_view key_pem) {
    Signer signer{load_cert(cert_pem), nullptr};
    if (!signer.cert) throw std::runtime_error("cannot read CA certificate");
    signer.key = load_private_key(key_pem);
    // Signing with a foreign key would yield certificates and CRLs nobody can verify.
    if (X509_check_private_key(signer.cert.get(), signer.key.get()) != 1) {
        throw_openssl("CA key does not match CA certificate");
    }
    return signer;
}

}  // namespace detail

Material create_ca(const std::string& common_name, int days) {
    const detail::PKey key = detail::generate_key();
    const detail::Name name = make_name(common_name);
    const detail::Cert cert = new_cert(name.get(), key.get(), days);
    check(X509_set_issuer_name(cert.get(), name.get()) == 1, "X509_set_issuer_name");
    add_ca_extensions(cert.get());
    sign(cert.get(), key.get());
    return {detail::cert_pem(cert.get()), detail::private_key_pem(key.get())};
}

Material issue(const Material& ca, const std::string& common_name, CertKind kind, int days) {
    const detail::Signer signer = detail::load_signer(ca.cert_pem, ca.key_pem);
    const detail::PKey key = detail::generate_key();
    const detail::Name name = make_name(common_name);
    const detail::Cert cert = new_cert(name.get(), key.get(), days);
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer.cert.get())) == 1,
          "X509_set_issuer_name");
    add_leaf_extensions(cert.get(), signer.cert.get(), kind);
    sign(cert.get(), signer.key.get());
    return {detail::cert_pem(cert.get()), detail::private_key_pem(key.get())};
}

}  // namespace warden::pki

// ---- Reading certificates ----

namespace warden::pki {
namespace {

// The serial as OpenVPN's plugin environment reports it (tls_serial_hex_N: the content
// bytes of the INTEGER), normalized. Taking the raw bytes rather than the BIGNUM keeps the
// two equal for foreign certificates with odd serials too.
std::string serial_text(const X509* cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
    const std::string hex = detail::to_hex(ASN1_STRING_get0_data(serial),
                                           static_cast<std::size_t>(ASN1_STRING_length(serial)));
    return text::normalize_serial(hex);
}

std::optional<std::string> fingerprint(const X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return std::nullopt;
    return detail::to_hex(md, len);
}

// RFC 2253 form, but with UTF-8 left as is instead of \XX escapes, for display.
std::optional<std::string> name_text(const X509_NAME* name) {
    const detail::Bio out = detail::write_bio();
    constexpr unsigned long kFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(out.get(), name, 0, kFlags) < 0) return std::nullopt;
    return detail::bio_contents(out.get());
}

// The last CN, as OpenVPN picks it for common_name when a subject holds several.
std::optional<std::string> common_name(const X509_NAME* name) {
    int last = -1;
    for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
        last = i;
    }
    if (last < 0) return std::string{};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
    unsigned char* raw = nullptr;
    const int len = ASN1_STRING_to_UTF8(&raw, data);
    if (len < 0) return std::nullopt;
    const detail::OsslBytes utf8(raw);
    return std::string(reinterpret_cast<const char*>(utf8.get()), static_cast<std::size_t>(len));
}

using detail::unix_time;

std::optional<CertInfo> describe(const X509* cert) {
    CertInfo info;
    info.serial = serial_text(cert);
    auto digest = fingerprint(cert);
    auto subject = name_text(X509_get_subject_name(cert));
    auto issuer = name_text(X509_get_issuer_name(cert));
    auto cn = common_name(X509_get_subject_name(cert));
    auto not_before = unix_time(X509_get0_notBefore(cert));
    auto not_after = unix_time(X509_get0_notAfter(cert));
    if (info.serial.empty() || !digest || !subject || !issuer || !cn || !not_before || !not_after) {
        return std::nullopt;
    }
    info.fingerprint_sha256 = std::move(*digest);
    info.subject = std::move(*subject);
    info.issuer = std::move(*issuer);
    info.common_name = std::move(*cn);
    info.not_before = *not_before;
    info.not_after = *not_after;
    return info;
}

}  // namespace

std::optional<CertInfo> inspect(std::string_view cert_pem) {
    const detail::Cert cert = detail::load_cert(cert_pem);
    if (!cert) return std::nullopt;
    auto info = describe(cert.get());
    // Bad input is an expected outcome here: leave no errors for the next OpenSSL caller.
    if (!info) ERR_clear_error();
    return info;
}

std::variant<CertInfo, std::string> inspect_ca(std::string_view pem) {
    const detail::Cert cert = detail::load_cert(pem);
    if (!cert) return std::string("not a PEM certificate");
    // X509_check_ca: 1 for basicConstraints CA:TRUE (and v1 roots, which OpenSSL trusts as
    // CAs too); 0 for a leaf.
    const bool ca = X509_check_ca(cert.get()) != 0;
    auto info = describe(cert.get());
    ERR_clear_error();
    if (!info) return std::string("the certificate could not be read");
    if (!ca) return std::string("not a CA certificate (no basicConstraints CA:TRUE)");
    return *info;
}

}  // namespace warden::pki

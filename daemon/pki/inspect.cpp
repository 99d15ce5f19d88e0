// Reading certificates: serial, fingerprint, names and validity of a PEM certificate.

#include <openssl/err.h>
#include <openssl/objects.h>

#include <ctime>

#include "common/text.hpp"
#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

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

std::optional<std::int64_t> unix_time(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::optional<CertInfo> describe(const X509* cert) {
    CertInfo info;
    info.serial = serial_text(cert);
    auto digest = fingerprint(cert);
    auto subject = name_text(X509_get_subject_name(cert));
    auto issuer = name_text(X509_get_issuer_name(cert));
    auto cn = common_name(X509_get_subject_name(cert));
    auto not_before = unix_time(X509_get0_notBefore(cert));
    auto not_after = unix_time(X509_get0_notAfter(cert));
    if (info.serial.empty() || !digest || !subject || !issuer || !cn || !not_before ||
        !not_after) {
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

}  // namespace warden::pki

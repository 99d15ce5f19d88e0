// Keys, randomness and the shared OpenSSL plumbing (errors, memory BIOs, PEM I/O).

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

namespace warden::pki {
namespace detail {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Password callback that refuses: without it OpenSSL would prompt on the terminal when
// it meets an encrypted PEM, which must never happen inside the daemon.
int no_password(char*, int, int, void*) {
    return -1;
}

std::size_t checked_int_size(std::size_t size, std::string_view what) {
    if (size > static_cast<std::size_t>(INT_MAX)) {
        throw std::runtime_error(std::string(what) + ": input too large");
    }
    return size;
}

}  // namespace

void throw_openssl(std::string_view what) {
    std::string message(what);
    message += ": ";
    bool first = true;
    while (const unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!first) message += "; ";
        message += buf;
        first = false;
    }
    if (first) message += "unknown OpenSSL error";
    throw std::runtime_error(message);
}

Bio read_bio(std::string_view data) {
    const auto len = checked_int_size(data.size(), "read_bio");
    Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(len)));
    check(bio != nullptr, "BIO_new_mem_buf");
    return bio;
}

Bio write_bio(bool secure) {
    Bio bio(BIO_new(secure ? BIO_s_secmem() : BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    return bio;
}

std::string bio_contents(BIO* bio) {
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio, &mem);
    check(mem != nullptr, "BIO_get_mem_ptr");
    return std::string(mem->data, mem->length);
}

void append_hex(std::string& out, const unsigned char* data, std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) {
        out.push_back(kHexDigits[data[i] >> 4]);
        out.push_back(kHexDigits[data[i] & 0x0f]);
    }
}

std::string to_hex(const unsigned char* data, std::size_t len) {
    std::string out;
    out.reserve(2 * len);
    append_hex(out, data, len);
    return out;
}

PKey generate_key() {
    PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    check(ctx != nullptr, "EVP_PKEY_CTX_new_from_name");
    check(EVP_PKEY_keygen_init(ctx.get()) == 1, "EVP_PKEY_keygen_init");
    check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") == 1, "EVP_PKEY_CTX_set_group_name");
    EVP_PKEY* raw = nullptr;
    check(EVP_PKEY_generate(ctx.get(), &raw) == 1, "EVP_PKEY_generate");
    return PKey(raw);
}

std::string private_key_pem(EVP_PKEY* key) {
    // Secure-heap BIO: its buffer is cleansed on free, unlike a plain std::string copy.
    Bio out = write_bio(true);
    check(PEM_write_bio_PKCS8PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PKCS8PrivateKey");
    return bio_contents(out.get());
}

PKey load_private_key(std::string_view pem) {
    Bio in = read_bio(pem);
    PKey key(PEM_read_bio_PrivateKey(in.get(), nullptr, no_password, nullptr));
    check(key != nullptr, "cannot read private key");
    return key;
}

Cert load_cert(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
    Bio in = read_bio(pem);
    Cert cert(PEM_read_bio_X509(in.get(), nullptr, no_password, nullptr));
    // A failed parse leaves errors behind that would otherwise be blamed on a later call.
    if (!cert) ERR_clear_error();
    return cert;
}

std::string cert_pem(X509* cert) {
    Bio out = write_bio();
    check(PEM_write_bio_X509(out.get(), cert) == 1, "PEM_write_bio_X509");
    return bio_contents(out.get());
}

Asn1Integer random_serial() {
    unsigned char bytes[16];
    check(RAND_bytes(bytes, sizeof bytes) == 1, "RAND_bytes");
    // Top bit clear keeps the INTEGER positive; the next bit set keeps the first byte
    // non-zero, so the bytes are already minimal DER and every serial has 127 bits.
    bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
    Asn1Integer serial(ASN1_INTEGER_new());
    check(serial != nullptr, "ASN1_INTEGER_new");
    check(ASN1_STRING_set(serial.get(), bytes, sizeof bytes) == 1, "ASN1_STRING_set");
    return serial;
}

}  // namespace detail

std::string generate_tls_crypt_key() {
    constexpr std::size_t kKeyBytes = 256;  // 2048 bits, as `openvpn --genkey secret`
    constexpr std::size_t kBytesPerLine = 16;
    static constexpr std::string_view kHeader =
        "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n";
    static constexpr std::string_view kFooter = "-----END OpenVPN Static key V1-----\n";

    unsigned char key[kKeyBytes];
    const detail::Wipe wipe(key, sizeof key);
    detail::check(RAND_bytes(key, sizeof key) == 1, "RAND_bytes");

    std::string out;
    // Reserve up front so growing the string never leaves stray copies of key bytes.
    out.reserve(kHeader.size() + kKeyBytes * 2 + kKeyBytes / kBytesPerLine + kFooter.size());
    out += kHeader;
    for (std::size_t i = 0; i < kKeyBytes; i += kBytesPerLine) {
        detail::append_hex(out, key + i, kBytesPerLine);
        out.push_back('\n');
    }
    out += kFooter;
    return out;
}

std::string encrypt_private_key(std::string_view key_pem, std::string_view password) {
    // OpenSSL treats a null/empty pass phrase as "ask the callback", i.e. the terminal.
    if (password.empty()) throw std::runtime_error("key password must not be empty");
    if (password.size() > static_cast<std::size_t>(INT_MAX)) {
        throw std::runtime_error("key password too long");
    }
    const detail::PKey key = detail::load_private_key(key_pem);
    detail::Bio out = detail::write_bio(true);
    // PKCS#8 v2: PBES2 with PBKDF2-HMAC-SHA256 (OpenSSL 3 default) and AES-256-CBC.
    detail::check(
        PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), password.data(),
                                      static_cast<int>(password.size()), nullptr, nullptr) == 1,
        "PEM_write_bio_PKCS8PrivateKey");
    return detail::bio_contents(out.get());
}

}  // namespace warden::pki

// Internal to warden_pki (and its tests): owning handles for OpenSSL objects and the
// small helpers the implementation files share. Not part of the public interface.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace warden::pki::detail {

// Calls an OpenSSL free function; the return value of e.g. BIO_free is of no use here.
template <auto FreeFn>
struct Free {
    template <typename T>
    void operator()(T* p) const noexcept {
        FreeFn(p);
    }
};

// Frees memory OpenSSL handed out with OPENSSL_malloc (OPENSSL_free is a macro).
struct OpensslFree {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};

using Bio = std::unique_ptr<BIO, Free<BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BN_free>>;
using Asn1Integer = std::unique_ptr<ASN1_INTEGER, Free<ASN1_INTEGER_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, Free<ASN1_TIME_free>>;
using PKey = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX_free>>;
using Cert = std::unique_ptr<X509, Free<X509_free>>;
using Crl = std::unique_ptr<X509_CRL, Free<X509_CRL_free>>;
using Name = std::unique_ptr<X509_NAME, Free<X509_NAME_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;
using RevokedEntry = std::unique_ptr<X509_REVOKED, Free<X509_REVOKED_free>>;
using Store = std::unique_ptr<X509_STORE, Free<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX_free>>;
using OsslString = std::unique_ptr<char, OpensslFree>;
using OsslBytes = std::unique_ptr<unsigned char, OpensslFree>;

// Wipes a buffer of secret bytes when it goes out of scope, also on the exception path.
class Wipe {
  public:
    Wipe(void* data, std::size_t len) : data_(data), len_(len) {}
    ~Wipe() { OPENSSL_cleanse(data_, len_); }
    Wipe(const Wipe&) = delete;
    Wipe& operator=(const Wipe&) = delete;

  private:
    void* data_;
    std::size_t len_;
};

// Throws std::runtime_error("<what>: <OpenSSL error queue>") and empties the queue.
[[noreturn]] void throw_openssl(std::string_view what);

// Throws via throw_openssl unless `ok`; for OpenSSL calls that return 1 / pointer on success.
inline void check(bool ok, std::string_view what) {
    if (!ok) throw_openssl(what);
}

// A read-only memory BIO over `data` (no copy: `data` must outlive the BIO).
Bio read_bio(std::string_view data);
// An empty writable memory BIO; `secure` selects BIO_s_secmem for key material.
Bio write_bio(bool secure = false);
// The bytes written into a memory BIO.
std::string bio_contents(BIO* bio);

// Appends the lowercase hex of `len` bytes to `out` (no temporaries: used for key bytes).
void append_hex(std::string& out, const unsigned char* data, std::size_t len);
// Lowercase hex of `len` bytes.
std::string to_hex(const unsigned char* data, std::size_t len);

// A fresh ECDSA P-256 key pair.
PKey generate_key();
// Unencrypted PKCS#8 PEM of `key`.
std::string private_key_pem(EVP_PKEY* key);
// Parses an unencrypted PEM private key; throws when it does not parse. Never prompts.
PKey load_private_key(std::string_view pem);
// Parses the first PEM certificate; nullptr (and a clean error queue) when it does not.
Cert load_cert(std::string_view pem);
// PEM of `cert`.
std::string cert_pem(X509* cert);

// Unix seconds of an ASN1 time; nullopt when it is absent or malformed.
std::optional<std::int64_t> unix_time(const ASN1_TIME* time);

// A CA certificate with its private key, checked to belong together; throws otherwise.
struct Signer {
    Cert cert;
    PKey key;
};
Signer load_signer(std::string_view cert_pem, std::string_view key_pem);

// 128 random bits from RAND_bytes, positive, with a fixed DER length of 16 bytes.
Asn1Integer random_serial();

}  // namespace warden::pki::detail

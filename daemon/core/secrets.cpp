#include "daemon/core/secrets.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "daemon/core/totp.hpp"

namespace warden::core::secrets {
namespace {

constexpr std::size_t kCodeBytes = 10;  // 80 bits -> 16 base32 characters

// crypt_data is ~32 KiB: on the heap, wiped before it is freed (it held the password).
struct CryptData {
    std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
    CryptData() { std::memset(data.get(), 0, sizeof(crypt_data)); }
    ~CryptData() { OPENSSL_cleanse(data.get(), sizeof(crypt_data)); }
};

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 0xf];
    }
    return out;
}

}  // namespace

std::string hash_password(std::string_view password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    unsigned char entropy[32];
    if (RAND_bytes(entropy, sizeof entropy) != 1) throw std::runtime_error("RAND_bytes failed");
    if (!crypt_gensalt_rn("$y$", 0, reinterpret_cast<const char*>(entropy), sizeof entropy, salt,
                          sizeof salt))
        throw std::runtime_error("crypt_gensalt_rn failed");
    CryptData cd;
    const std::string pw(password);
    const char* out = crypt_rn(pw.c_str(), salt, cd.data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') throw std::runtime_error("crypt_rn failed");
    return out;
}

bool verify_password(std::string_view password, std::string_view hash) {
    if (hash.empty() || hash.front() != '$') return false;
    CryptData cd;
    const std::string pw(password);
    const std::string setting(hash);
    const char* out = crypt_rn(pw.c_str(), setting.c_str(), cd.data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') return false;
    return same_hash(out, hash);
}

std::string new_access_code() {
    unsigned char raw[kCodeBytes];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    const std::string text =
        totp::base32(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
    OPENSSL_cleanse(raw, sizeof raw);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i > 0 && i % 4 == 0) out += '-';
        out += text[i];
    }
    return out;
}

std::string access_code_hash(std::string_view code) {
    std::string normalized;
    for (char c : code) {
        if (c == '-' || c == ' ') continue;
        normalized += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(normalized.data(), normalized.size(), digest, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("EVP_Digest failed");
    OPENSSL_cleanse(normalized.data(), normalized.size());
    return hex(digest, len);
}

bool same_hash(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace warden::core::secrets

#include "daemon/core/password_cache.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "daemon/core/secrets.hpp"

namespace warden::core {

PasswordCache::PasswordCache(SlowVerifier slow)
    : slow_(slow ? std::move(slow) : SlowVerifier(secrets::verify_password)) {
    if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
}

PasswordCache::~PasswordCache() {
    clear();
    OPENSSL_cleanse(key_.data(), key_.size());
}

PasswordCache::Mac PasswordCache::mac_of(std::string_view password) const {
    Mac mac{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
              reinterpret_cast<const unsigned char*>(password.data()), password.size(), mac.data(),
              &len) ||
        len != mac.size())
        throw std::runtime_error("HMAC failed");
    return mac;
}

bool PasswordCache::verify(std::string_view password, std::string_view hash) {
    Mac mac = mac_of(password);
    const auto it = entries_.find(std::string(hash));
    if (it != entries_.end() && CRYPTO_memcmp(it->second.data(), mac.data(), mac.size()) == 0) {
        OPENSSL_cleanse(mac.data(), mac.size());
        return true;
    }
    const bool ok = slow_(password, hash);
    if (ok) {
        if (entries_.size() >= kMaxEntries && it == entries_.end()) clear();
        entries_[std::string(hash)] = mac;
    }
    OPENSSL_cleanse(mac.data(), mac.size());
    return ok;
}

void PasswordCache::clear() {
    for (auto& [hash, mac] : entries_) OPENSSL_cleanse(mac.data(), mac.size());
    entries_.clear();
}

}  // namespace warden::core

// The HMAC key of OpenVPN's auth-gen-token (server.conf `auth-gen-token-secret`), so
// session tokens stay valid across OpenVPN restarts (and the reconnect after one needs no
// new code).
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

namespace warden::pki {

std::string generate_auth_token_key() {
    constexpr std::size_t kKeyBytes = 128;  // what `openvpn --genkey auth-token` writes
    unsigned char key[kKeyBytes];
    const detail::Wipe wipe(key, sizeof key);
    detail::check(RAND_bytes(key, sizeof key) == 1, "RAND_bytes");
    detail::Bio out = detail::write_bio(true);
    detail::check(PEM_write_bio(out.get(), "OpenVPN auth-token server key", "", key, kKeyBytes) > 0,
                  "PEM_write_bio");
    return detail::bio_contents(out.get());
}

}  // namespace warden::pki

// The auth-gen-token secret has the shape `openvpn --genkey auth-token` writes (OpenVPN
// refuses a shorter one: "not enough data in auth-token secret"); the e2e two-factor test
// starts a real server with it.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include "daemon/pki/pki.hpp"

TEST_CASE("auth-token key: 128 random bytes in an OpenVPN auth-token PEM") {
    const std::string pem = warden::pki::generate_auth_token_key();
    const std::string begin = "-----BEGIN OpenVPN auth-token server key-----\n";
    const std::string end = "-----END OpenVPN auth-token server key-----\n";
    REQUIRE(pem.rfind(begin, 0) == 0);
    REQUIRE(pem.size() > begin.size() + end.size());
    REQUIRE(pem.substr(pem.size() - end.size()) == end);
    std::string body = pem.substr(begin.size(), pem.size() - begin.size() - end.size());
    std::string b64;
    for (char c : body)
        if (c != '\n') b64 += c;
    unsigned char out[256];
    const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(b64.data()),
                                  static_cast<int>(b64.size()));
    const int padding =
        b64.size() >= 2 ? (b64[b64.size() - 1] == '=') + (b64[b64.size() - 2] == '=') : 0;
    CHECK(n - padding == 128);
    CHECK(warden::pki::generate_auth_token_key() != pem);
}

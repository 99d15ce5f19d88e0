// warden_pki: the tls-crypt key file and password-protected key export.

#include <catch2/catch.hpp>

#include <openssl/objects.h>

#include "common/text.hpp"
#include "pki_test_util.hpp"

using namespace warden::pki;
using namespace warden::pki::test;

namespace {

using Pkcs8Sig = std::unique_ptr<X509_SIG, Free<X509_SIG_free>>;
using Pbe2Param = std::unique_ptr<PBE2PARAM, Free<PBE2PARAM_free>>;

// Decrypts with OpenSSL's default callback, which takes `u` as the pass phrase.
PKey decrypt(const std::string& pem, const std::string& password) {
    const Bio in = read_bio(pem);
    PKey key(
        PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, const_cast<char*>(password.c_str())));
    ERR_clear_error();
    return key;
}

// The PBES2 parameters of an "ENCRYPTED PRIVATE KEY" PEM.
Pbe2Param pbes2_params(const std::string& pem) {
    const Bio in = read_bio(pem);
    const Pkcs8Sig sig(PEM_read_bio_PKCS8(in.get(), nullptr, nullptr, nullptr));
    REQUIRE(sig != nullptr);
    const X509_ALGOR* alg = nullptr;
    X509_SIG_get0(sig.get(), &alg, nullptr);
    const ASN1_OBJECT* oid = nullptr;
    int type = 0;
    const void* value = nullptr;
    X509_ALGOR_get0(&oid, &type, &value, alg);
    REQUIRE(OBJ_obj2nid(oid) == NID_pbes2);
    REQUIRE(type == V_ASN1_SEQUENCE);
    return Pbe2Param(static_cast<PBE2PARAM*>(
        ASN1_item_unpack(static_cast<const ASN1_STRING*>(value), ASN1_ITEM_rptr(PBE2PARAM))));
}

int algorithm_nid(const X509_ALGOR* alg) {
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
    return OBJ_obj2nid(oid);
}

}  // namespace

TEST_CASE("tls-crypt key has OpenVPN's static key format", "[pki][tls-crypt]") {
    const std::string key = generate_tls_crypt_key();
    CHECK(key.back() == '\n');
    const auto lines = split_lines(key);
    REQUIRE(lines.size() == 3 + 1 + 16 + 1);
    CHECK(lines[0] == "#");
    CHECK(lines[1] == "# 2048 bit OpenVPN static key");
    CHECK(lines[2] == "#");
    CHECK(lines[3] == "-----BEGIN OpenVPN Static key V1-----");
    for (int i = 4; i < 20; ++i) {
        INFO("line " << i << ": " << lines[i]);
        CHECK(lines[i].size() == 32);
        CHECK(lines[i].find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    CHECK(lines[20] == "-----END OpenVPN Static key V1-----");
    CHECK(generate_tls_crypt_key() != key);
}

TEST_CASE("openvpn accepts the tls-crypt key", "[pki][tls-crypt][cli]") {
    const auto openvpn = find_binary("openvpn");
    if (!openvpn) {
        WARN("openvpn binary not installed: skipping the key parsing check");
        return;
    }
    const TempDir dir;
    const std::string key = generate_tls_crypt_key();
    const std::string good = dir.write("tc.key", key);
    // Control: the same file one line short must be refused, or the check proves nothing.
    const std::string short_key =
        dir.write("short.key", key.substr(0, key.find("-----END") - 33) +
                                   "-----END OpenVPN Static key V1-----\n");
    const std::string args = " --cipher AES-256-CBC --auth SHA256 --verb 1";

    const auto ok = run(*openvpn + " --test-crypto --secret " + good + args);
    INFO(ok.output);
    CHECK(ok.status == 0);
    CHECK(ok.output.find("SUCCEEDED") != std::string::npos);

    const auto refused = run(*openvpn + " --test-crypto --secret " + short_key + args);
    INFO(refused.output);
    CHECK(refused.status != 0);
}

TEST_CASE("encrypted key opens with the right password only", "[pki][keys]") {
    const Material ca = create_ca("Key CA", 10);
    const Material leaf = issue(ca, "device-1", CertKind::Client, 10);
    const std::string pem = encrypt_private_key(leaf.key_pem, "correct horse");
    CHECK(warden::text::starts_with(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    CHECK(pem.find("-----END ENCRYPTED PRIVATE KEY-----") != std::string::npos);

    const PKey original = load_private_key(leaf.key_pem);
    const PKey opened = decrypt(pem, "correct horse");
    REQUIRE(opened != nullptr);
    CHECK(EVP_PKEY_eq(opened.get(), original.get()) == 1);
    CHECK(decrypt(pem, "wrong horse") == nullptr);
    CHECK(decrypt(pem, "") == nullptr);
    CHECK(encrypt_private_key(leaf.key_pem, "correct horse") != pem);  // fresh salt and IV

    const Pbe2Param params = pbes2_params(pem);
    REQUIRE(params != nullptr);
    CHECK(algorithm_nid(params->keyfunc) == NID_id_pbkdf2);
    CHECK(algorithm_nid(params->encryption) == NID_aes_256_cbc);
}

TEST_CASE("encrypt_private_key refuses bad input without prompting", "[pki][keys]") {
    const Material ca = create_ca("Key CA", 10);
    CHECK_THROWS_AS(encrypt_private_key(ca.key_pem, ""), std::runtime_error);
    CHECK_THROWS_AS(encrypt_private_key("garbage", "pw"), std::runtime_error);
    CHECK_THROWS_AS(encrypt_private_key(ca.cert_pem, "pw"), std::runtime_error);
    // An already encrypted key would make OpenSSL ask the terminal for a password.
    const std::string encrypted = encrypt_private_key(ca.key_pem, "pw");
    CHECK_THROWS_AS(encrypt_private_key(encrypted, "pw"), std::runtime_error);
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("openssl pkey opens the encrypted key", "[pki][keys][cli]") {
    const auto openssl = find_binary("openssl");
    if (!openssl) {
        WARN("openssl binary not installed: skipping the CLI check");
        return;
    }
    const Material ca = create_ca("Key CA", 10);
    const TempDir dir;
    const std::string file = dir.write("enc.pem", encrypt_private_key(ca.key_pem, "s3cret"));
    const auto ok = run(*openssl + " pkey -in " + file + " -passin pass:s3cret -noout");
    INFO(ok.output);
    CHECK(ok.status == 0);
    const auto wrong = run(*openssl + " pkey -in " + file + " -passin pass:other -noout");
    INFO(wrong.output);
    CHECK(wrong.status != 0);
}

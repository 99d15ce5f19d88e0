// warden_pki: CA and leaf certificates, their extensions, inspect() and serials.

#include <catch2/catch.hpp>

#include <openssl/x509v3.h>

#include <ctime>
#include <set>

#include "common/text.hpp"
#include "pki_test_util.hpp"

using namespace warden::pki;
using namespace warden::pki::test;

namespace {

// One CA for the whole binary: key generation is cheap, but this keeps tests focused.
const Material& test_ca() {
    static const Material ca = create_ca("Test CA", 30);
    return ca;
}

bool extension_critical(X509* cert, int nid) {
    const int index = X509_get_ext_by_NID(cert, nid, -1);
    REQUIRE(index >= 0);
    return X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

void check_p256_key(const std::string& key_pem) {
    CHECK(warden::text::starts_with(key_pem, "-----BEGIN PRIVATE KEY-----\n"));
    const PKey key = load_private_key(key_pem);
    CHECK(EVP_PKEY_is_a(key.get(), "EC") == 1);
    char group[64] = {};
    REQUIRE(EVP_PKEY_get_group_name(key.get(), group, sizeof group, nullptr) == 1);
    CHECK(std::string(group) == "prime256v1");
}

std::string bignum_serial(X509* cert) {
    const Bignum bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
    const OsslString hex(BN_bn2hex(bn.get()));
    return warden::text::normalize_serial(hex.get());
}

}  // namespace

TEST_CASE("create_ca makes a self-signed P-256 CA with CA extensions", "[pki][ca]") {
    const Material& ca = test_ca();
    const Cert cert = parse_cert(ca.cert_pem);
    check_p256_key(ca.key_pem);

    CHECK(X509_get_version(cert.get()) == X509_VERSION_3);
    CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
    CHECK(X509_check_ca(cert.get()) == 1);
    CHECK(extension_critical(cert.get(), NID_basic_constraints));
    CHECK(extension_critical(cert.get(), NID_key_usage));
    CHECK(X509_get_key_usage(cert.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    CHECK(X509_get0_subject_key_id(cert.get()) != nullptr);
    CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_SS) != 0);

    const PKey key = load_private_key(ca.key_pem);
    CHECK(X509_check_private_key(cert.get(), key.get()) == 1);
    CHECK(verify_chain(ca.cert_pem, ca.cert_pem) == X509_V_OK);
}

TEST_CASE("client and server certificates verify against their CA only", "[pki][issue]") {
    const Material& ca = test_ca();
    const Material client = issue(ca, "device-1", CertKind::Client, 10);
    const Material server = issue(ca, "warden-server", CertKind::Server, 10);
    check_p256_key(client.key_pem);

    CHECK(verify_chain(ca.cert_pem, client.cert_pem) == X509_V_OK);
    CHECK(verify_chain(ca.cert_pem, server.cert_pem) == X509_V_OK);
    CHECK(verify_chain(ca.cert_pem, client.cert_pem, X509_PURPOSE_SSL_CLIENT) == X509_V_OK);
    CHECK(verify_chain(ca.cert_pem, server.cert_pem, X509_PURPOSE_SSL_SERVER) == X509_V_OK);
    // The EKU keeps a device certificate from posing as the server and vice versa.
    CHECK(verify_chain(ca.cert_pem, client.cert_pem, X509_PURPOSE_SSL_SERVER) != X509_V_OK);
    CHECK(verify_chain(ca.cert_pem, server.cert_pem, X509_PURPOSE_SSL_CLIENT) != X509_V_OK);

    const Material other_ca = create_ca("Test CA", 30);  // same name, different key
    const Material foreign = issue(other_ca, "device-1", CertKind::Client, 10);
    CHECK(verify_chain(ca.cert_pem, foreign.cert_pem) != X509_V_OK);
    CHECK(verify_chain(other_ca.cert_pem, client.cert_pem) != X509_V_OK);
}

TEST_CASE("leaf certificates carry what remote-cert-tls expects", "[pki][issue]") {
    const Material& ca = test_ca();
    const Cert ca_cert = parse_cert(ca.cert_pem);
    for (const CertKind kind : {CertKind::Client, CertKind::Server}) {
        const Material leaf = issue(ca, "leaf", kind, 10);
        const Cert cert = parse_cert(leaf.cert_pem);
        INFO((kind == CertKind::Client ? "client" : "server"));

        CHECK(X509_get_version(cert.get()) == X509_VERSION_3);
        CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
        CHECK(X509_check_ca(cert.get()) == 0);
        CHECK(X509_get_ext_by_NID(cert.get(), NID_basic_constraints, -1) >= 0);
        CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_KUSAGE) != 0);
        CHECK(X509_get_key_usage(cert.get()) == (KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT));
        CHECK(X509_get_extended_key_usage(cert.get()) ==
              (kind == CertKind::Client ? XKU_SSL_CLIENT : XKU_SSL_SERVER));
        REQUIRE(X509_get0_subject_key_id(cert.get()) != nullptr);
        REQUIRE(X509_get0_authority_key_id(cert.get()) != nullptr);
        CHECK(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert.get()),
                                    X509_get0_subject_key_id(ca_cert.get())) == 0);
        CHECK(X509_check_issued(ca_cert.get(), cert.get()) == X509_V_OK);

        const PKey key = load_private_key(leaf.key_pem);
        CHECK(X509_check_private_key(cert.get(), key.get()) == 1);
    }
}

TEST_CASE("validity starts a minute back and lasts the requested days", "[pki][issue]") {
    const std::int64_t before = std::time(nullptr);
    const Material leaf = issue(test_ca(), "device-1", CertKind::Client, 90);
    const std::int64_t after = std::time(nullptr);
    const auto info = inspect(leaf.cert_pem);
    REQUIRE(info);
    CHECK(info->not_before >= before - 60);
    CHECK(info->not_before <= after - 60);
    CHECK(info->not_after >= before + 90 * 86400);
    CHECK(info->not_after <= after + 90 * 86400);
}

TEST_CASE("inspect reports serial, names and fingerprint", "[pki][inspect]") {
    const Material& ca = test_ca();
    const Material leaf = issue(ca, "device-ü-1", CertKind::Client, 10);
    const Cert cert = parse_cert(leaf.cert_pem);
    const auto info = inspect(leaf.cert_pem);
    REQUIRE(info);

    CHECK(info->serial == bignum_serial(cert.get()));
    CHECK(info->serial == warden::text::normalize_serial(info->serial));
    CHECK(info->common_name == "device-ü-1");
    CHECK(info->subject == "CN=device-ü-1");
    CHECK(info->issuer == "CN=Test CA");

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    REQUIRE(X509_digest(cert.get(), EVP_sha256(), md, &len) == 1);
    CHECK(info->fingerprint_sha256 == to_hex(md, len));
    CHECK(info->fingerprint_sha256.size() == 64);

    const auto ca_info = inspect(ca.cert_pem);
    REQUIRE(ca_info);
    CHECK(ca_info->subject == ca_info->issuer);
    CHECK(ca_info->fingerprint_sha256 != info->fingerprint_sha256);

    // Text around the PEM block (as in a bundle or an .ovpn file) is ignored.
    CHECK(inspect("subject=CN=device\n" + leaf.cert_pem + "trailing\n") == info);
}

TEST_CASE("inspect returns nullopt for bad input", "[pki][inspect]") {
    const Material leaf = issue(test_ca(), "device-1", CertKind::Client, 10);
    const std::string& pem = leaf.cert_pem;
    // inspect() does not check signatures, so corruption must hit the encoding itself:
    // an invalid base64 character, and a wrong outer DER length ("MII" -> "MIJ").
    std::string bad_base64 = pem;
    bad_base64[pem.size() / 2] = '!';
    std::string bad_length = pem;
    const std::size_t body = pem.find('\n') + 1;
    REQUIRE(bad_length.compare(body, 3, "MII") == 0);
    bad_length[body + 2] = 'J';

    CHECK_FALSE(inspect(""));
    CHECK_FALSE(inspect("garbage"));
    CHECK_FALSE(inspect(std::string(1000, '\0')));
    CHECK_FALSE(inspect("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"));
    CHECK_FALSE(inspect(pem.substr(0, pem.size() / 2)));
    CHECK_FALSE(inspect(pem.substr(0, pem.size() - 10)));
    CHECK_FALSE(inspect(bad_base64));
    CHECK_FALSE(inspect(bad_length));
    CHECK_FALSE(inspect(leaf.key_pem));
    // Failed parses leave no errors behind for unrelated OpenSSL callers.
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("serials are random, unique and long", "[pki][serial]") {
    const Material& ca = test_ca();
    std::set<std::string> serials;
    for (int i = 0; i < 1000; ++i) {
        const auto info = inspect(issue(ca, "device", CertKind::Client, 1).cert_pem);
        REQUIRE(info);
        // 16 random bytes with the top bit cleared and the next one set: 127 bits.
        REQUIRE(info->serial.size() == 32);
        REQUIRE(info->serial.find_first_not_of("0123456789abcdef") == std::string::npos);
        serials.insert(info->serial);
    }
    CHECK(serials.size() == 1000);
    const auto ca_info = inspect(ca.cert_pem);
    REQUIRE(ca_info);
    CHECK(ca_info->serial.size() * 4 >= 64);
    CHECK(serials.count(ca_info->serial) == 0);
}

TEST_CASE("issue refuses a bad CA and bad parameters", "[pki][issue]") {
    const Material& ca = test_ca();
    const Material other = create_ca("Other CA", 30);
    CHECK_THROWS_AS(issue({"garbage", ca.key_pem}, "d", CertKind::Client, 1), std::runtime_error);
    CHECK_THROWS_AS(issue({ca.cert_pem, "garbage"}, "d", CertKind::Client, 1), std::runtime_error);
    CHECK_THROWS_AS(issue({ca.cert_pem, other.key_pem}, "d", CertKind::Client, 1),
                    std::runtime_error);
    CHECK_THROWS_AS(issue(ca, "", CertKind::Client, 1), std::runtime_error);
    CHECK_THROWS_AS(issue(ca, std::string(65, 'x'), CertKind::Client, 1), std::runtime_error);
    CHECK_THROWS_AS(issue(ca, "d", CertKind::Client, 0), std::runtime_error);
    CHECK_THROWS_AS(create_ca("", 10), std::runtime_error);
    CHECK_NOTHROW(issue(ca, std::string(64, 'x'), CertKind::Client, 1));
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("OpenSSL failures carry OpenSSL's error text", "[pki][errors]") {
    const Material& ca = test_ca();
    const Material other = create_ca("Other CA", 30);
    try {
        issue({ca.cert_pem, other.key_pem}, "d", CertKind::Client, 1);
        FAIL("no exception");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find("CA key does not match CA certificate") != std::string::npos);
        CHECK(what.find("error:") != std::string::npos);
    }
}

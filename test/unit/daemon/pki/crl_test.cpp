// warden_pki: the CRL written for OpenVPN's crl-verify.

#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>
#include <set>

#include "common/text.hpp"
#include "pki_test_util.hpp"

using namespace warden::pki;
using namespace warden::pki::test;

namespace {

std::int64_t unix_time(const ASN1_TIME* time) {
    std::tm tm{};
    REQUIRE(ASN1_TIME_to_tm(time, &tm) == 1);
    return timegm(&tm);
}

std::string entry_serial(const X509_REVOKED* entry) {
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
    return warden::text::normalize_serial(to_hex(
        ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))));
}

int revoked_count(X509_CRL* crl) {
    STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
    return entries == nullptr ? 0 : sk_X509_REVOKED_num(entries);
}

bool signed_by(X509_CRL* crl, const Material& ca) {
    const Cert cert = parse_cert(ca.cert_pem);
    const bool ok = X509_CRL_verify(crl, X509_get0_pubkey(cert.get())) == 1;
    ERR_clear_error();
    return ok;
}

struct Fixture {
    Material ca = create_ca("CRL CA", 30);
    Material other_ca = create_ca("CRL CA", 30);
    Material good = issue(ca, "good", CertKind::Client, 10);
    Material bad1 = issue(ca, "bad1", CertKind::Client, 10);
    Material bad2 = issue(ca, "bad2", CertKind::Client, 10);
    // A few seconds back, so lastUpdate is not in the future for the verifier.
    std::int64_t now = std::time(nullptr) - 5;

    std::string serial(const Material& m) const { return inspect(m.cert_pem)->serial; }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "CRL lists exactly the revoked serials", "[pki][crl]") {
    const std::vector<Revoked> revoked = {{serial(bad1), now - 3600}, {serial(bad2), now - 60}};
    const std::string pem = make_crl(ca, revoked, now, 7);
    CHECK(warden::text::starts_with(pem, "-----BEGIN X509 CRL-----\n"));
    const Crl crl = parse_crl(pem);

    CHECK(X509_CRL_get_version(crl.get()) == X509_CRL_VERSION_2);
    CHECK(X509_CRL_get_signature_nid(crl.get()) == NID_ecdsa_with_SHA256);
    const Cert ca_cert = parse_cert(ca.cert_pem);
    CHECK(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca_cert.get())) == 0);
    CHECK(unix_time(X509_CRL_get0_lastUpdate(crl.get())) == now);
    CHECK(unix_time(X509_CRL_get0_nextUpdate(crl.get())) == now + 7 * 86400);
    CHECK(X509_CRL_get_ext_by_NID(crl.get(), NID_crl_number, -1) >= 0);
    CHECK(X509_CRL_get_ext_by_NID(crl.get(), NID_authority_key_identifier, -1) >= 0);

    REQUIRE(revoked_count(crl.get()) == 2);
    std::set<std::string> listed;
    STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl.get());
    for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
        const X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
        const std::string s = entry_serial(entry);
        listed.insert(s);
        const std::int64_t expected = s == serial(bad1) ? now - 3600 : now - 60;
        CHECK(unix_time(X509_REVOKED_get0_revocationDate(entry)) == expected);
    }
    CHECK(listed == std::set<std::string>{serial(bad1), serial(bad2)});

    CHECK(signed_by(crl.get(), ca));
    CHECK_FALSE(signed_by(crl.get(), other_ca));
}

TEST_CASE_METHOD(Fixture, "an empty CRL is valid and signed", "[pki][crl]") {
    const Crl crl = parse_crl(make_crl(ca, {}, now, 30));
    CHECK(revoked_count(crl.get()) == 0);
    CHECK(signed_by(crl.get(), ca));
    const std::string pem = make_crl(ca, {}, now, 30);
    CHECK(verify_chain(ca.cert_pem, good.cert_pem, 0, &pem) == X509_V_OK);
}

TEST_CASE_METHOD(Fixture, "X509_verify_cert with the CRL refuses revoked certificates",
                 "[pki][crl]") {
    const std::string pem = make_crl(ca, {{serial(bad1), now}}, now, 7);
    CHECK(verify_chain(ca.cert_pem, good.cert_pem, 0, &pem) == X509_V_OK);
    CHECK(verify_chain(ca.cert_pem, bad1.cert_pem, 0, &pem) == X509_V_ERR_CERT_REVOKED);
}

TEST_CASE_METHOD(Fixture, "make_crl accepts colon/uppercase serials and refuses bad ones",
                 "[pki][crl]") {
    std::string colons;
    for (std::size_t i = 0; i < serial(bad1).size(); i += 2) {
        if (!colons.empty()) colons += ':';
        colons += serial(bad1).substr(i, 2);
    }
    for (char& c : colons) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const Crl crl = parse_crl(make_crl(ca, {{"00:" + colons, now}}, now, 7));
    REQUIRE(revoked_count(crl.get()) == 1);
    CHECK(entry_serial(sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl.get()), 0)) == serial(bad1));

    CHECK_THROWS_AS(make_crl(ca, {{"not-hex", now}}, now, 7), std::runtime_error);
    CHECK_THROWS_AS(make_crl(ca, {{"", now}}, now, 7), std::runtime_error);
    CHECK_THROWS_AS(make_crl(ca, {}, now, 0), std::runtime_error);
    CHECK_THROWS_AS(make_crl({ca.cert_pem, other_ca.key_pem}, {}, now, 7), std::runtime_error);
    CHECK_THROWS_AS(make_crl({"x", ca.key_pem}, {}, now, 7), std::runtime_error);
}

TEST_CASE_METHOD(Fixture, "openssl verify -crl_check agrees", "[pki][crl][cli]") {
    const auto openssl = find_binary("openssl");
    if (!openssl) {
        WARN("openssl binary not installed: skipping the CLI check");
        return;
    }
    const TempDir dir;
    const std::string ca_file = dir.write("ca.pem", ca.cert_pem);
    const std::string good_file = dir.write("good.pem", good.cert_pem);
    const std::string bad_file = dir.write("bad.pem", bad1.cert_pem);
    const std::string crl_file = dir.write("crl.pem", make_crl(ca, {{serial(bad1), now}}, now, 7));
    const std::string empty_file = dir.write("empty.pem", make_crl(ca, {}, now, 7));
    const std::string verify = *openssl + " verify -CAfile " + ca_file + " -crl_check -CRLfile ";

    const auto ok = run(verify + crl_file + " " + good_file);
    INFO(ok.output);
    CHECK(ok.status == 0);
    CHECK(ok.output.find(good_file + ": OK") != std::string::npos);

    const auto revoked = run(verify + crl_file + " " + bad_file);
    INFO(revoked.output);
    CHECK(revoked.status != 0);
    CHECK(revoked.output.find("certificate revoked") != std::string::npos);

    const auto empty = run(verify + empty_file + " " + bad_file);
    INFO(empty.output);
    CHECK(empty.status == 0);

    const auto crl_text = run(*openssl + " crl -in " + crl_file + " -noout -CAfile " + ca_file);
    INFO(crl_text.output);
    CHECK(crl_text.status == 0);
    CHECK(crl_text.output.find("verify OK") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "inspect_crl reads back validity, signer and revoked serials",
                 "[pki][crl]") {
    const std::vector<Revoked> revoked = {{serial(bad2), now - 60}, {serial(bad1), now - 3600}};
    const std::string pem = make_crl(ca, revoked, now, 7);
    const auto info = inspect_crl(pem, ca.cert_pem);
    REQUIRE(info);
    CHECK(info->signed_by_ca);
    CHECK(info->last_update == now);
    CHECK(info->next_update == now + 7 * 86400);
    std::vector<std::string> expected = {serial(bad1), serial(bad2)};
    std::sort(expected.begin(), expected.end());
    CHECK(info->revoked == expected);

    // Same issuer name, other key: the signature decides.
    const auto foreign = inspect_crl(make_crl(other_ca, {}, now, 7), ca.cert_pem);
    REQUIRE(foreign);
    CHECK_FALSE(foreign->signed_by_ca);

    CHECK_FALSE(inspect_crl("", ca.cert_pem));
    CHECK_FALSE(inspect_crl("garbage", ca.cert_pem));
    CHECK_FALSE(inspect_crl(pem.substr(0, pem.size() / 2), ca.cert_pem));
    CHECK_FALSE(inspect_crl(ca.cert_pem, ca.cert_pem));
    CHECK(ERR_peek_error() == 0);
}

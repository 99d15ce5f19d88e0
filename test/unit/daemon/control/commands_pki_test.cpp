// pki.renew-server and the PKI fields of `status`.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>

#include "control_fixture.hpp"

using namespace warden;
using namespace warden::control;
using namespace warden::control::test;

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

X509Ptr parse_cert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr), X509_free);
    BIO_free(bio);
    REQUIRE(cert);
    return cert;
}

KeyPtr parse_key(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    KeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr), EVP_PKEY_free);
    BIO_free(bio);
    REQUIRE(key);
    return key;
}

std::uint64_t inode(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_ino;
}

unsigned mode(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::string serial_of(const std::string& cert_pem) {
    return pki::inspect(cert_pem)->serial;
}

}  // namespace

TEST_CASE("pki.renew-server issues a new server certificate and key from the same CA") {
    Fixture f;
    const std::string crt = f.authority->server_cert_path(), key = f.authority->server_key_path();
    const std::string old_crt = slurp(crt), old_key = slurp(key);
    const auto old_crt_inode = inode(crt), old_key_inode = inode(key);
    // A reader that opened the old files (OpenVPN reading them on restart) keeps them whole.
    std::ifstream old_key_reader(key);

    const Reply r = f.run("pki.renew-server");
    REQUIRE(r.code == Code::Ok);
    const auto& o = r.result.as_object();
    const std::string new_crt = slurp(crt), new_key = slurp(key);

    // New serial, reported; same CA (issuer and signature), same common name, server EKU.
    CHECK(o.at("serial").as_string() == serial_of(new_crt));
    CHECK(o.at("old_serial").as_string() == serial_of(old_crt));
    CHECK(serial_of(new_crt) != serial_of(old_crt));
    const auto info = pki::inspect(new_crt);
    CHECK(info->common_name == "warden-server");
    CHECK(info->issuer == pki::inspect(f.authority->ca_pem())->subject);
    const X509Ptr cert = parse_cert(new_crt), ca = parse_cert(f.authority->ca_pem());
    CHECK(X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1);
    CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);

    // The key belongs to the new certificate, not the old one; mode 0600.
    CHECK(new_key != old_key);
    const KeyPtr k = parse_key(new_key);
    CHECK(X509_check_private_key(cert.get(), k.get()) == 1);
    CHECK(X509_check_private_key(parse_cert(old_crt).get(), k.get()) != 1);
    ERR_clear_error();
    CHECK(mode(key) == 0600);
    CHECK(mode(crt) == 0644);

    // Replaced by rename (new inodes; an open reader still sees the old key), no leftovers.
    CHECK(inode(crt) != old_crt_inode);
    CHECK(inode(key) != old_key_inode);
    std::stringstream seen;
    seen << old_key_reader.rdbuf();
    CHECK(seen.str() == old_key);
    for (const auto& entry : std::filesystem::directory_iterator(f.config.pki_dir())) {
        const std::string name = entry.path().filename().string();
        CHECK(name.find(".new") == std::string::npos);
        CHECK(name.find(".tmp") == std::string::npos);
    }

    // Audited; the reply says OpenVPN needs a restart to use it.
    const auto entry = f.store->activity(0, 1).at(0);
    CHECK(entry.action == "pki.renew-server");
    CHECK(entry.details.find("serial=" + serial_of(new_crt)) != std::string::npos);
    CHECK(o.at("restart_needed").as_bool());
    CHECK(std::string(o.at("note").as_string()).find("wardenctl vpn restart") != std::string::npos);
}

TEST_CASE("status shows the CRL, server and CA expiry and warns ahead of expiry_warning_days") {
    Fixture f;  // server certificate valid 30 days
    f.config.expiry_warning_days = 31;
    f.services->crl_status = [] { return CrlStatus{1'900'000'000, ""}; };
    Reply r = f.run("status");
    REQUIRE(r.code == Code::Ok);
    auto o = r.result.as_object();
    CHECK(o.at("crl_next_update").as_string() == iso_time(1'900'000'000));
    CHECK(o.at("crl_health").as_string() == "ok");
    CHECK_FALSE(o.contains("crl_alarm"));
    const auto server = f.authority->server_cert();
    REQUIRE(server);
    CHECK(o.at("server_cert_expires").as_string() == iso_time(server->not_after));
    CHECK(o.at("ca_expires").as_string() == iso_time(f.authority->ca_cert()->not_after));
    CHECK(o.at("pki_expiry_warning").as_bool());  // 30 days left, warned within 31

    f.config.expiry_warning_days = 10;
    f.services->crl_status = [] { return CrlStatus{std::nullopt, "crl re-sign failed: disk"}; };
    o = f.run("status").result.as_object();
    CHECK_FALSE(o.at("pki_expiry_warning").as_bool());
    CHECK(o.at("crl_health").as_string() == "alarm");
    CHECK(o.at("crl_alarm").as_string() == "crl re-sign failed: disk");
    CHECK(o.at("crl_next_update").is_null());

    // An unreadable server certificate is a warning too (OpenVPN could not restart).
    std::filesystem::remove(f.authority->server_cert_path());
    o = f.run("status").result.as_object();
    CHECK(o.at("server_cert_expires").is_null());
    CHECK(o.at("pki_expiry_warning").as_bool());
}

// Store contract, enrollment part (schema 011): enrollment CAs, the bounded pending list
// with attempt counting, rejections with their counter, and unbinding an enrolled
// certificate.
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::TempDir;

namespace {

CertSighting sighting(const std::string& fingerprint) {
    CertSighting c;
    c.fingerprint = fingerprint;
    c.serial = "1001";
    c.common_name = "station";
    c.subject = "O=Vendor, CN=station";
    c.issuer = "O=Vendor, CN=vendor CA";
    c.enroll_ca = "vendor";
    c.address = "192.0.2.7:40000";
    c.peer_version = "2.6.14";
    c.peer_platform = "linux";
    return c;
}

EnrollCa ca(const std::string& name, const std::string& fingerprint) {
    EnrollCa c;
    c.name = name;
    c.subject = "CN=" + name;
    c.fingerprint = fingerprint;
    c.not_after = 9000;
    c.cert_pem = "PEM";
    c.added_at = 10;
    return c;
}

}  // namespace

TEST_CASE("store: enrollment CAs are listed by name, unique by name and certificate", "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    REQUIRE(store->add_enroll_ca(ca("vendor", "FP1")).ok());
    REQUIRE(store->add_enroll_ca(ca("alpha", "FP2")).ok());
    CHECK(store->add_enroll_ca(ca("vendor", "FP3")).status == Status::Duplicate);
    CHECK(store->add_enroll_ca(ca("other", "FP1")).status == Status::Duplicate);
    const auto cas = store->enroll_cas();
    REQUIRE(cas.size() == 2);
    CHECK(cas[0].name == "alpha");
    CHECK(cas[1].fingerprint == "FP1");
    CHECK(cas[1].not_after == 9000);
    // Deleting a CA drops its pending certificates, not other CAs'.
    store->note_pending(sighting("P1"), PendingState::Pending, 100, 10);
    auto other = sighting("P2");
    other.enroll_ca = "alpha";
    store->note_pending(other, PendingState::Pending, 100, 10);
    CHECK(store->delete_enroll_ca("vendor").ok());
    CHECK(store->delete_enroll_ca("vendor").status == Status::NotFound);
    REQUIRE(store->pending_certs().size() == 1);
    CHECK(store->pending_certs()[0].cert.fingerprint == "P2");
}

TEST_CASE("store: a pending certificate counts its attempts and keeps what it last showed",
          "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK(store->note_pending(sighting("P1"), PendingState::Pending, 100, 10));
    auto again = sighting("P1");
    again.address = "192.0.2.8:41000";
    again.peer_version = "2.5.0";
    again.not_after = 7000;
    CHECK_FALSE(store->note_pending(again, PendingState::UpdateRequired, 160, 10));
    const auto p = store->find_pending("P1");
    REQUIRE(p);
    CHECK(p->attempts == 2);
    CHECK(p->first_seen == 100);
    CHECK(p->last_seen == 160);
    CHECK(p->cert.address == "192.0.2.8:41000");
    CHECK(p->cert.peer_version == "2.5.0");
    CHECK(p->cert.not_after == 7000);
    CHECK(p->cert.issuer == "O=Vendor, CN=vendor CA");
    CHECK(p->state == PendingState::UpdateRequired);
    // An attempt that does not know not_after keeps the one recorded.
    store->note_pending(sighting("P1"), PendingState::Pending, 170, 10);
    CHECK(store->find_pending("P1")->cert.not_after == 7000);
    CHECK(store->delete_pending("P1"));
    CHECK_FALSE(store->delete_pending("P1"));
    CHECK_FALSE(store->find_pending("P1"));
}

TEST_CASE("store: the pending list is bounded, the oldest go first", "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    for (int i = 0; i < 5; ++i)
        store->note_pending(sighting("P" + std::to_string(i)), PendingState::Pending, 100 + i, 3);
    // An old one seen again stays old: first_seen decides.
    store->note_pending(sighting("P2"), PendingState::Pending, 200, 3);
    const auto pending = store->pending_certs();
    REQUIRE(pending.size() == 3);
    CHECK(pending[0].cert.fingerprint == "P2");
    CHECK(pending[1].cert.fingerprint == "P3");
    CHECK(pending[2].cert.fingerprint == "P4");
}

TEST_CASE("store: a rejection replaces the pending row, counts attempts, can be cleared",
          "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    store->note_pending(sighting("P1"), PendingState::Pending, 100, 10);
    RejectedCert r;
    r.cert = sighting("P1");
    r.rejected_at = 150;
    r.rejected_by = "admin";
    REQUIRE(store->reject_cert(r).ok());
    CHECK(store->reject_cert(r).status == Status::Duplicate);
    CHECK_FALSE(store->find_pending("P1"));
    store->note_rejected_attempt("P1", 160);
    store->note_rejected_attempt("P1", 170);
    store->note_rejected_attempt("unknown", 170);
    auto rejected = store->rejected_certs();
    REQUIRE(rejected.size() == 1);
    CHECK(rejected[0].attempts == 2);
    CHECK(rejected[0].last_seen == 170);
    CHECK(rejected[0].rejected_by == "admin");
    CHECK(rejected[0].cert.subject == "O=Vendor, CN=station");
    r.cert.fingerprint = "P2";
    REQUIRE(store->reject_cert(r).ok());
    CHECK(store->clear_rejected(std::string_view("P1")) == 1);
    CHECK(store->clear_rejected(std::string_view("P1")) == 0);
    CHECK(store->clear_rejected(std::nullopt) == 1);
    CHECK(store->rejected_certs().empty());
}

TEST_CASE("store: an enrolled certificate names its CA and can be unbound", "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    Device d;
    d.name = "station";
    d.vpn_ip = 0x0a080002;
    REQUIRE(store->add_device(d).ok());
    Certificate own;
    own.serial = "aa01";
    own.device_id = d.id;
    own.common_name = "station";
    own.fingerprint = "F-OWN";
    own.cert_pem = "PEM";
    REQUIRE(store->add_certificate(own).ok());
    Certificate enrolled = own;
    enrolled.serial = "1001";
    enrolled.fingerprint = "F-ENROLLED";
    enrolled.cert_pem.clear();
    enrolled.enroll_ca = "vendor";
    REQUIRE(store->add_certificate(enrolled).ok());
    CHECK(store->find_by_serial("1001")->cert.enroll_ca == "vendor");
    CHECK(store->find_by_serial("aa01")->cert.enroll_ca.empty());
    bool summarized = false;
    for (const auto& c : store->certificate_summaries())
        if (c.serial == "1001") {
            summarized = true;
            CHECK(c.enroll_ca == "vendor");
            CHECK(c.fingerprint == "F-ENROLLED");
        }
    CHECK(summarized);
    CHECK(store->unbind_enrolled(d.id) == 1);
    CHECK_FALSE(store->find_by_serial("1001"));
    CHECK(store->find_by_serial("aa01"));  // warden's own certificate stays
    CHECK(store->unbind_enrolled(d.id) == 0);
}

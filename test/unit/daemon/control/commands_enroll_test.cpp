// enroll.ca.* / pending.* / rejected.* / device.reset-auth (issue 11) against a real store
// and CA: what each command stores, refuses and logs, and record_sighting, which fills the
// pending list from the verdict path.
#include "common/text.hpp"
#include "control_fixture.hpp"
#include "daemon/control/enrollment.hpp"
#include "daemon/pki/pki.hpp"

using namespace warden;
using namespace warden::control;
using control::test::Fixture;

namespace {

struct Mail {
    std::string to, subject, body;
};

struct EnrollFixture : Fixture {
    pki::Material vendor = pki::create_ca("vendor CA", 30);
    std::vector<Mail> outbox;

    EnrollFixture() {
        config.mail.operator_address = "ops@example.org";
        services->mail = MailOutbox{
            [this](const std::string&, const std::string& to, const std::string& subject,
                   const std::string& body, std::string&) -> std::optional<std::int64_t> {
                outbox.push_back({to, subject, body});
                return static_cast<std::int64_t>(outbox.size());
            },
            [] {}};
    }

    Reply add_vendor() {
        return run("enroll.ca.add", {{"name", "vendor"}, {"pem", vendor.cert_pem}});
    }

    store::CertSighting station(char c = 'a', const std::string& serial = "1001") const {
        store::CertSighting s;
        s.fingerprint = text::normalize_fingerprint(std::string(64, c));
        s.serial = serial;
        s.common_name = "station";
        s.subject = "O=Vendor, CN=station";
        s.issuer = "CN=vendor CA";
        s.enroll_ca = "vendor";
        s.not_after = clock + 86400;
        s.address = "192.0.2.7:40000";
        s.peer_version = "2.6.14";
        s.peer_platform = "linux";
        return s;
    }

    std::vector<std::string> actions() const {
        std::vector<std::string> out;
        for (const auto& a : store->activity(0, 100)) out.push_back(a.action);
        return out;
    }
};

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST_CASE_METHOD(EnrollFixture, "enroll ca add writes the CA bundle OpenVPN reads, and says so") {
    const Reply r = add_vendor();
    REQUIRE(r.code == Code::Ok);
    CHECK(std::string(r.result.as_object().at("note").as_string()).find("vpn restart") !=
          std::string::npos);
    const std::string bundle = test::slurp(authority->ca_bundle_path());
    CHECK(bundle.find(authority->ca_pem()) == 0);
    CHECK(bundle.find(vendor.cert_pem) != std::string::npos);
    CHECK(has(actions(), "enroll.ca.add"));
    CHECK(add_vendor().code == Code::Invalid);  // already listed
    // Not a CA, warden's own CA, a bad name: refused, nothing stored.
    const pki::Material leaf = pki::issue(vendor, "leaf", pki::CertKind::Client, 30);
    CHECK(run("enroll.ca.add", {{"name", "leaf"}, {"pem", leaf.cert_pem}}).code == Code::Invalid);
    CHECK(run("enroll.ca.add", {{"name", "own"}, {"pem", authority->ca_pem()}}).code ==
          Code::Invalid);
    CHECK(run("enroll.ca.add", {{"name", "a b"}, {"pem", vendor.cert_pem}}).code == Code::Invalid);
    CHECK(run("enroll.ca.add", {{"name", "junk"}, {"pem", "junk"}}).code == Code::Invalid);
    CHECK(store->enroll_cas().size() == 1);

    REQUIRE(run("enroll.ca.delete", {{"name", "vendor"}}).code == Code::Ok);
    CHECK(test::slurp(authority->ca_bundle_path()) == authority->ca_pem());
    CHECK(run("enroll.ca.delete", {{"name", "vendor"}}).code == Code::NotFound);
}

TEST_CASE_METHOD(EnrollFixture, "a sighting is pending once (one mail), then counted") {
    REQUIRE(add_vendor().code == Code::Ok);
    record_sighting(*services, core::Sighting::Pending, station());
    record_sighting(*services, core::Sighting::Pending, station());
    const auto pending = store->pending_certs();
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].attempts == 2);
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0].to == "ops@example.org");
    CHECK(outbox[0].body.find(station().fingerprint) != std::string::npos);
    CHECK(has(actions(), "enroll.pending"));
    const Reply list = run("pending.list");
    REQUIRE(list.code == Code::Ok);
    const auto& row = list.result.as_array().at(0).as_object();
    CHECK(row.at("fingerprint").as_string() == station().fingerprint);
    CHECK(row.at("attempts").as_int64() == 2);
    CHECK(row.at("state").as_string() == "pending");
    CHECK(run("status").result.as_object().at("pending_authorization").as_uint64() == 1);
}

TEST_CASE_METHOD(EnrollFixture, "pending accept creates the device bound to the certificate") {
    REQUIRE(add_vendor().code == Code::Ok);
    record_sighting(*services, core::Sighting::Pending, station());
    const std::string fp = station().fingerprint;
    // Any spelling of the fingerprint: lowercase without colons too.
    std::string plain = std::string(64, 'a');
    const Reply r =
        run("pending.accept", {{"fingerprint", plain}, {"name", "station1"}, {"group", "default"}});
    REQUIRE(r.code == Code::Ok);
    CHECK(r.result.as_object().at("type").as_string() == "pc");
    const auto binding = store->find_by_serial("1001");
    REQUIRE(binding);
    REQUIRE(binding->device);
    CHECK(binding->device->name == "station1");
    CHECK(binding->cert.fingerprint == fp);
    CHECK(binding->cert.enroll_ca == "vendor");
    CHECK(binding->cert.cert_pem.empty());
    CHECK(store->pending_certs().empty());
    CHECK(has(actions(), "pending.accept"));
    CHECK(run("pending.accept", {{"fingerprint", fp}, {"name", "again"}}).code == Code::NotFound);

    // reset-auth: unbound, the session ends; the next attempt is pending again.
    REQUIRE(run("device.reset-auth", {{"name", "station1"}}).code == Code::Ok);
    CHECK(sessions.ended_serials == std::vector<std::string>{"1001"});
    CHECK_FALSE(store->find_by_serial("1001"));
    CHECK(has(actions(), "device.reset-auth"));
    CHECK(run("device.reset-auth", {{"name", "station1"}}).code == Code::Invalid);
    record_sighting(*services, core::Sighting::Pending, station());
    REQUIRE(run("pending.accept", {{"fingerprint", fp}, {"device", "station1"}}).code == Code::Ok);
    CHECK(store->find_by_serial("1001")->device->name == "station1");
}

TEST_CASE_METHOD(EnrollFixture, "pending accept refuses what cannot be bound, changing nothing") {
    REQUIRE(add_vendor().code == Code::Ok);
    const std::string fp = station().fingerprint;
    CHECK(run("pending.accept", {{"fingerprint", "zz"}, {"name", "x"}}).code == Code::Invalid);
    record_sighting(*services, core::Sighting::UpdateRequired, station());
    CHECK(run("pending.accept", {{"fingerprint", fp}, {"name", "x"}}).code == Code::Invalid);
    record_sighting(*services, core::Sighting::Pending, station());
    CHECK(run("pending.accept", {{"fingerprint", fp}}).code == Code::Invalid);  // no name
    CHECK(run("pending.accept", {{"fingerprint", fp}, {"device", "nobody"}}).code ==
          Code::NotFound);
    // A certificate with a serial another one has already.
    REQUIRE(run("device.add", {{"name", "own"}, {"type", "pc"}}).code == Code::Ok);
    const std::string own_serial = store->certificates_of(store->find_device("own")->id)[0].serial;
    record_sighting(*services, core::Sighting::Pending, station('b', own_serial));
    const std::string before = dump();
    CHECK(run("pending.accept", {{"fingerprint", station('b').fingerprint}, {"name", "x"}}).code ==
          Code::Invalid);
    CHECK(dump() == before);
    // Its CA was deleted meanwhile.
    REQUIRE(run("enroll.ca.delete", {{"name", "vendor"}}).code == Code::Ok);
    record_sighting(*services, core::Sighting::Pending, station('c', "2002"));
    CHECK(run("pending.accept", {{"fingerprint", station('c').fingerprint}, {"name", "x"}}).code ==
          Code::Invalid);
}

TEST_CASE_METHOD(EnrollFixture, "reject: silent and counted; clear makes it pending again") {
    REQUIRE(add_vendor().code == Code::Ok);
    record_sighting(*services, core::Sighting::Pending, station());
    const std::string fp = station().fingerprint;
    REQUIRE(run("pending.reject", {{"fingerprint", fp}}).code == Code::Ok);
    CHECK(store->pending_certs().empty());
    CHECK(run("pending.reject", {{"fingerprint", fp}}).code == Code::NotFound);
    record_sighting(*services, core::Sighting::Rejected, station());
    record_sighting(*services, core::Sighting::Rejected, station());
    const Reply list = run("rejected.list");
    REQUIRE(list.code == Code::Ok);
    const auto& row = list.result.as_array().at(0).as_object();
    CHECK(row.at("attempts").as_int64() == 2);
    CHECK(row.at("rejected_by").as_string() == "root");
    CHECK(outbox.size() == 1);  // the first pending only
    CHECK(run("rejected.clear", {}).code == Code::Invalid);
    CHECK(run("rejected.clear", {{"fingerprint", fp}, {"all", true}}).code == Code::Invalid);
    REQUIRE(run("rejected.clear", {{"fingerprint", fp}}).code == Code::Ok);
    CHECK(run("rejected.clear", {{"fingerprint", fp}}).code == Code::NotFound);
    CHECK(has(actions(), "pending.reject"));
    CHECK(has(actions(), "rejected.clear"));
    REQUIRE(run("rejected.clear", {{"all", true}}).code == Code::Ok);
}

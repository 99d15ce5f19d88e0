// core::admit: the decision table of enrollment by fingerprint (known / pending /
// rejected / reset / untrusted / update required), and the client version rule.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "common/text.hpp"
#include "daemon/core/enrollment.hpp"

using namespace warden;

namespace {

const core::VpnPool kPool{*net::parse_network("10.8.0.0/24"), 0x0a080001};

std::string fp(char c) {
    return text::normalize_fingerprint(std::string(64, c));
}

struct View : core::EnrollmentView {
    std::map<std::string, std::string> cas{{fp('c'), "vendor"}};
    std::set<std::string> rejected_fps;
    std::optional<std::string> listed_ca(const std::vector<std::string>& chain) const override {
        for (const auto& f : chain)
            if (auto it = cas.find(f); it != cas.end()) return it->second;
        return std::nullopt;
    }
    bool ca_listed(std::string_view name) const override {
        for (const auto& [f, n] : cas)
            if (n == name) return true;
        return false;
    }
    bool rejected(std::string_view f) const override { return rejected_fps.count(std::string(f)); }
};

core::ClientRequest vendor_client() {
    core::ClientRequest r;
    r.serial = "1001";
    r.fingerprint = fp('a');
    r.issuer_fingerprints = {fp('c')};
    r.cert_subject = "O=Vendor, CN=station1";
    r.cert_issuer = "O=Vendor, CN=vendor CA";
    r.cert_not_after = 5000;
    r.real_address = "192.0.2.7:40000";
    r.peer_version = "2.6.14";
    r.peer_platform = "linux";
    return r;
}

store::CertBinding bound(const std::string& fingerprint, const std::string& ca) {
    store::CertBinding b;
    b.cert.serial = "1001";
    b.cert.fingerprint = fingerprint;
    b.cert.enroll_ca = ca;
    b.cert.not_after = 9000;
    store::Device d;
    d.id = 3;
    d.name = "station1";
    d.vpn_ip = 0x0a080005;
    b.device = d;
    store::License l;
    l.id = 1;
    l.seats = 5;
    b.license = l;
    return b;
}

core::Admission admit(const core::ClientRequest& r, const std::optional<store::CertBinding>& b,
                      const View& view, core::EnrollPolicy policy = {}) {
    return core::admit(r, b, view, policy, kPool, 2000, true);
}

}  // namespace

TEST_CASE("enrollment: a bound certificate is decided as any other") {
    View view;
    const auto a = admit(vendor_client(), bound(fp('a'), "vendor"), view);
    CHECK(a.verdict.allow);
    CHECK(a.sighting == core::Sighting::None);
    CHECK(a.verdict.config == "ifconfig-push 10.8.0.5 255.255.255.0\n");
    // The stored fingerprint may be in pki's form (lowercase, no colons).
    const auto lower = admit(vendor_client(), bound(std::string(64, 'a'), "vendor"), view);
    CHECK(lower.verdict.allow);
    // warden's own certificates (no enrollment CA) need no listed CA.
    view.cas.clear();
    CHECK(admit(vendor_client(), bound(fp('a'), ""), view).verdict.allow);
}

TEST_CASE("enrollment: an accepted device of a CA no longer listed is refused") {
    View view;
    view.cas.clear();
    const auto a = admit(vendor_client(), bound(fp('a'), "vendor"), view);
    CHECK_FALSE(a.verdict.allow);
    CHECK(a.verdict.reason == core::kCaNotListed);
    CHECK(a.sighting == core::Sighting::None);
}

TEST_CASE("enrollment: an unknown certificate of a listed CA is pending, with what it showed") {
    const auto a = admit(vendor_client(), std::nullopt, View{});
    CHECK_FALSE(a.verdict.allow);
    CHECK(a.verdict.reason == core::kPendingAuthorization);
    CHECK(a.sighting == core::Sighting::Pending);
    CHECK_FALSE(a.quiet());
    CHECK(a.cert.fingerprint == fp('a'));
    CHECK(a.cert.serial == "1001");
    CHECK(a.cert.common_name == "station1");
    CHECK(a.cert.issuer == "O=Vendor, CN=vendor CA");
    CHECK(a.cert.enroll_ca == "vendor");
    CHECK(a.cert.not_after == 5000);
    CHECK(a.cert.address == "192.0.2.7:40000");
    CHECK(a.cert.peer_version == "2.6.14");
    // The CA may sit higher in the chain (an intermediate issued the certificate).
    auto deep = vendor_client();
    deep.issuer_fingerprints = {fp('e'), fp('c')};
    CHECK(admit(deep, std::nullopt, View{}).sighting == core::Sighting::Pending);
}

TEST_CASE("enrollment: a serial of ours with another fingerprint is a stranger, not our device") {
    // A listed CA issued a certificate with the serial of one of warden's: it must not
    // pass for that device.
    const auto a = admit(vendor_client(), bound(fp('b'), ""), View{});
    CHECK_FALSE(a.verdict.allow);
    CHECK(a.sighting == core::Sighting::Pending);
    // ... and with a CA that is not listed it is simply unknown.
    auto r = vendor_client();
    r.issuer_fingerprints = {fp('d')};
    const auto b = admit(r, bound(fp('b'), ""), View{});
    CHECK(b.verdict.reason == "certificate not registered");
    CHECK(b.sighting == core::Sighting::None);
}

TEST_CASE("enrollment: untrusted, rejected, reset and update-required certificates") {
    View view;
    auto untrusted = vendor_client();
    untrusted.issuer_fingerprints = {fp('d')};
    CHECK(admit(untrusted, std::nullopt, view).verdict.reason == "certificate not registered");
    CHECK(admit(untrusted, std::nullopt, view).sighting == core::Sighting::None);
    auto no_fingerprint = vendor_client();  // an older plugin: never enrolled
    no_fingerprint.fingerprint.clear();
    CHECK(admit(no_fingerprint, std::nullopt, view).sighting == core::Sighting::None);

    view.rejected_fps.insert(fp('a'));
    const auto rejected = admit(vendor_client(), std::nullopt, view);
    CHECK(rejected.verdict.reason == core::kCertificateRejected);
    CHECK(rejected.sighting == core::Sighting::Rejected);
    CHECK(rejected.quiet());
    view.rejected_fps.clear();

    // Reset: the binding is gone, so the certificate is pending again.
    CHECK(admit(vendor_client(), std::nullopt, view).sighting == core::Sighting::Pending);

    core::EnrollPolicy policy;
    policy.min_client_version = core::parse_version_setting("2.7");
    const auto old = admit(vendor_client(), std::nullopt, view, policy);
    CHECK(old.verdict.reason == core::kUpdateRequired);
    CHECK(old.sighting == core::Sighting::UpdateRequired);
    auto unknown_version = vendor_client();
    unknown_version.peer_version.clear();
    CHECK(admit(unknown_version, std::nullopt, view, policy).sighting ==
          core::Sighting::UpdateRequired);
    policy.min_client_version = core::parse_version_setting("2.6.14");
    CHECK(admit(vendor_client(), std::nullopt, view, policy).sighting == core::Sighting::Pending);
    // A bound device is not held to the minimum (it was accepted).
    policy.min_client_version = core::parse_version_setting("9");
    CHECK(admit(vendor_client(), bound(fp('a'), "vendor"), view, policy).verdict.allow);
}

TEST_CASE("client versions: IV_VER's leading numbers") {
    using core::parse_client_version;
    CHECK(parse_client_version("2.6.14")->text() == "2.6.14");
    CHECK(parse_client_version("2.5_git")->text() == "2.5.0");
    CHECK(parse_client_version("2.6_beta1")->text() == "2.6.0");
    CHECK(parse_client_version("3.git::58b92569")->text() == "3.0.0");
    CHECK(parse_client_version("2.4.12-I601")->text() == "2.4.12");
    CHECK_FALSE(parse_client_version(""));
    CHECK_FALSE(parse_client_version("v2.6"));
    CHECK_FALSE(parse_client_version("123456.1"));
    CHECK(*parse_client_version("2.5.9") < *parse_client_version("2.6"));
    CHECK_FALSE(*parse_client_version("2.10") < *parse_client_version("2.9.9"));
    CHECK(core::parse_version_setting("2.5")->text() == "2.5.0");
    CHECK_FALSE(core::parse_version_setting("2.5_git"));
    CHECK_FALSE(core::parse_version_setting("2."));
}

TEST_CASE("common_name_of: the last CN of OpenVPN's subject line") {
    CHECK(core::common_name_of("C=DE, O=Vendor, CN=station1") == "station1");
    CHECK(core::common_name_of("CN=a, CN=b") == "b");
    CHECK(core::common_name_of("O=x\\, y, CN=z") == "z");
    CHECK(core::common_name_of("O=Vendor").empty());
    CHECK(core::common_name_of("").empty());
}

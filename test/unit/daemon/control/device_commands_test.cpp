// device.edit / copy / replace / deactivate / activate, key passwords, device codes and
// certificate expiry flags, against a real store and CA.
#include <catch2/catch.hpp>

#include "control_fixture.hpp"
#include "daemon/core/decision.hpp"
#include "daemon/core/net.hpp"

using namespace warden;
using namespace warden::control;
using warden::control::test::Fixture;

namespace {

const core::VpnPool kPool{*net::parse_network("10.8.0.0/24"), 0x0a080001};

std::string added_serial(const Reply& r) {
    REQUIRE(r.code == Code::Ok);
    return std::string(r.result.at("certificate").as_string());
}

core::Verdict decide_for(Fixture& f, const std::string& serial) {
    return core::decide(serial, f.store->find_by_serial(serial), kPool, f.clock, true);
}

std::string str(const json::value& v, const char* key) {
    return std::string(v.at(key).as_string());
}

}  // namespace

TEST_CASE("edit renames without touching the certificate identity, empty values clear") {
    Fixture f;
    const std::string serial = added_serial(
        f.run("device.add", {{"name", "r1"}, {"type", "router"}, {"network", "192.168.5.0/24"}}));
    const auto id = f.store->find_device("r1")->id;
    auto edited = f.run("device.edit", {{"name", "r1"},
                                        {"new_name", "plant-7"},
                                        {"email", "ops@example.com"},
                                        {"monitor", true},
                                        {"network", "192.168.6.0/255.255.255.0"},
                                        {"netmap", "192.168.0.0/24"}});
    REQUIRE(edited.code == Code::Ok);
    // Its networks changed: the live session ends so the router reconnects with them.
    CHECK(f.sessions.ended_serials == std::vector<std::string>{serial});
    auto d = f.store->find_device(id);
    CHECK(d->name == "plant-7");
    CHECK(d->email == "ops@example.com");
    CHECK(d->monitor);
    CHECK(d->network == "192.168.6.0/24");
    CHECK(d->addressing == store::Addressing::Netmap);
    CHECK(d->local_network == "192.168.0.0/24");
    CHECK_FALSE(f.store->find_device("r1"));
    // decide() finds the device by certificate serial: the renamed device still connects.
    auto verdict = decide_for(f, serial);
    CHECK(verdict.allow);
    CHECK(verdict.device->name == "plant-7");
    CHECK(f.store->activity(0, 1).at(0).details.find("was=r1") != std::string::npos);

    REQUIRE(f.run("device.edit", {{"name", "plant-7"}, {"new_name", "plant-8"}}).code == Code::Ok);
    CHECK(f.sessions.ended_serials.size() == 1);  // a rename keeps the session
    REQUIRE(f.run("device.edit", {{"name", "plant-8"}, {"new_name", "plant-7"}}).code == Code::Ok);
    REQUIRE(f.run("device.edit", {{"name", "plant-7"}, {"network", ""}, {"monitor", false}}).code ==
            Code::Ok);
    d = f.store->find_device(id);
    CHECK(d->network.empty());
    CHECK(d->addressing == store::Addressing::Direct);  // the mapping went with the network
    CHECK(d->local_network.empty());
    CHECK_FALSE(d->monitor);
    REQUIRE(f.run("device.edit", {{"name", "plant-7"}, {"type", "pc"}}).code == Code::Ok);
    CHECK(f.store->find_device(id)->type == store::DeviceType::Pc);
}

TEST_CASE("no two live certificates share a common name, after renames and re-issues") {
    Fixture f;
    const std::string first =
        added_serial(f.run("device.add", {{"name", "laptop"}, {"type", "pc"}}));
    REQUIRE(f.run("device.edit", {{"name", "laptop"}, {"new_name", "old-laptop"}}).code ==
            Code::Ok);
    const std::string second =
        added_serial(f.run("device.add", {{"name", "laptop"}, {"type", "pc"}}));
    auto cn = [&](const std::string& serial) {
        return f.store->find_by_serial(serial)->cert.common_name;
    };
    CHECK(cn(first) == "laptop");  // issued before the rename, kept
    CHECK(cn(second) != "laptop");
    CHECK(cn(second).rfind("laptop-", 0) == 0);
    // A second certificate of the same device is distinct too.
    auto renewed = f.run("cert.new", {{"name", "laptop"}});
    REQUIRE(renewed.code == Code::Ok);
    const std::string third(renewed.result.at("serial").as_string());
    CHECK(cn(third) != cn(second));
    CHECK(cn(third) != cn(first));
    // Once the old certificate is revoked, its name is free again.
    REQUIRE(f.run("cert.revoke", {{"name", "old-laptop"}, {"serial", first}}).code == Code::Ok);
    const std::string fourth =
        added_serial(f.run("device.add", {{"name", "laptop2"}, {"type", "pc"}}));
    CHECK(cn(fourth) == "laptop2");
    CHECK(f.store->common_name_in_use("laptop2", f.clock));
    CHECK_FALSE(f.store->common_name_in_use("laptop", f.clock));
}

TEST_CASE("copy presets a new device from a source, with its own address and certificate") {
    Fixture f;
    f.config.default_device_code = "site-default";
    REQUIRE(f.run("device.add", {{"name", "r1"},
                                 {"type", "router"},
                                 {"serial", "SN-1"},
                                 {"code", "c0de-1"},
                                 {"email", "ops@example.com"},
                                 {"monitor", true},
                                 {"network", "10.20.1.0/24"},
                                 {"netmap", "192.168.0.0/24"}})
                .code == Code::Ok);
    auto copied = f.run("device.copy", {{"source", "r1"}, {"name", "r2"}});
    REQUIRE(copied.code == Code::Ok);
    auto r1 = *f.store->find_device("r1");
    auto r2 = *f.store->find_device("r2");
    CHECK(r2.type == store::DeviceType::Router);
    CHECK(r2.device_code == "c0de-1");
    CHECK(r2.email == "ops@example.com");
    CHECK(r2.monitor);
    CHECK(r2.serial_number.empty());  // identifies the hardware: not copied
    CHECK(r2.network.empty());        // would overlap: not copied
    CHECK(r2.addressing == store::Addressing::Direct);
    CHECK(r2.vpn_ip != r1.vpn_ip);
    CHECK(str(copied.result, "certificate") != f.store->certificates_of(r1.id).at(0).serial);
    CHECK(f.store->activity(0, 1).at(0).action == "device.copy");

    // With a network, the netmapped source's local LAN comes along (routers share it).
    REQUIRE(f.run("device.copy", {{"source", "r1"}, {"name", "r3"}, {"network", "10.20.2.0/24"}})
                .code == Code::Ok);
    auto r3 = *f.store->find_device("r3");
    CHECK(r3.addressing == store::Addressing::Netmap);
    CHECK(r3.local_network == "192.168.0.0/24");
    CHECK(r3.network == "10.20.2.0/24");
}

TEST_CASE("replace: NEW takes over OLD's name, address, group and networks, OLD is revoked") {
    Fixture f;
    const std::string old_serial = added_serial(f.run(
        "device.add", {{"name", "plant"}, {"type", "router"}, {"network", "192.168.9.0/24"}}));
    const auto old_dev = *f.store->find_device("plant");
    const std::string new_serial = added_serial(
        f.run("device.add", {{"name", "spare"}, {"type", "router"}, {"serial", "SN-NEW"}}));
    const auto new_dev = *f.store->find_device("spare");
    const std::string crl_before = test::slurp(f.authority->crl_path());

    CHECK(f.run("device.replace", {{"old", "plant"}, {"new", "plant"}}).code == Code::Invalid);
    CHECK(f.run("device.replace", {{"old", "nope"}, {"new", "spare"}}).code == Code::NotFound);
    REQUIRE(f.run("device.add", {{"name", "laptop"}, {"type", "pc"}}).code == Code::Ok);
    auto mixed = f.run("device.replace", {{"old", "plant"}, {"new", "laptop"}});
    CHECK(mixed.code == Code::Invalid);
    CHECK(mixed.message.rfind("new: ", 0) == 0);

    auto replaced = f.run("device.replace", {{"old", "plant"}, {"new", "spare"}});
    REQUIRE(replaced.code == Code::Ok);
    auto now = *f.store->find_device("plant");
    CHECK(now.id == new_dev.id);  // the new device's row, renamed
    CHECK(now.vpn_ip == old_dev.vpn_ip);
    CHECK(now.network == "192.168.9.0/24");
    CHECK(now.serial_number == "SN-NEW");
    CHECK_FALSE(f.store->find_device("spare"));
    CHECK_FALSE(f.store->find_device(old_dev.id));
    CHECK(decide_for(f, old_serial).reason == "certificate revoked");
    CHECK(decide_for(f, new_serial).allow);  // NEW's own certificates stay valid
    const std::string fresh = str(replaced.result, "certificate");
    CHECK(f.store->find_by_serial(fresh)->cert.common_name == "plant");
    CHECK(decide_for(f, fresh).allow);
    CHECK(decide_for(f, fresh).config.find("ifconfig-push " + net::format_ipv4(old_dev.vpn_ip)) ==
          0);
    // Both live sessions end: OLD's certificates are revoked, NEW's address changed.
    CHECK(f.sessions.ended_serials == std::vector<std::string>{old_serial, new_serial});
    CHECK(test::slurp(f.authority->crl_path()) != crl_before);
    // The export carries the fresh certificate (the newest valid one).
    auto exported = f.run("device.export", {{"name", "plant"}});
    REQUIRE(exported.code == Code::Ok);
    const std::string fresh_pem = f.store->find_by_serial(fresh)->cert.cert_pem;
    CHECK(str(exported.result, "profile").find(fresh_pem) != std::string::npos);
}

TEST_CASE("deactivate refuses the device and ends its session, activate restores it") {
    Fixture f;
    const std::string serial = added_serial(f.run("device.add", {{"name", "pc1"}, {"type", "pc"}}));
    const auto id = f.store->find_device("pc1")->id;
    f.clock += 10;
    auto off = f.run("device.deactivate", {{"name", "pc1"}});
    REQUIRE(off.code == Code::Ok);
    CHECK(off.result.at("sessions_ended").as_uint64() == 1);
    CHECK(f.sessions.ended_devices == std::vector<std::int64_t>{id});
    CHECK(f.sessions.reasons.at(0) == "device deactivated");
    CHECK(decide_for(f, serial).reason == "device deactivated");
    auto shown = f.run("device.show", {{"name", "pc1"}});
    CHECK(str(shown.result, "state") == "deactivated");
    CHECK(str(shown.result, "since") == iso_time(f.clock));
    auto again = f.run("device.deactivate", {{"name", "pc1"}});
    CHECK(again.code == Code::Invalid);
    CHECK(again.message.rfind("name: ", 0) == 0);
    CHECK(f.run("device.deactivate", {{"name", "nope"}}).code == Code::NotFound);

    f.clock += 10;
    REQUIRE(f.run("device.activate", {{"name", "pc1"}}).code == Code::Ok);
    CHECK(decide_for(f, serial).allow);
    shown = f.run("device.show", {{"name", "pc1"}});
    CHECK(str(shown.result, "state") == "offline");
    CHECK(str(shown.result, "since") == iso_time(f.clock));
    CHECK(f.run("device.activate", {{"name", "pc1"}}).code == Code::Invalid);
    CHECK(f.store->activity(0, 1).at(0).action == "device.activate");
}

TEST_CASE("a key password encrypts the exported key (PKCS#8, AES-256) and is never shown") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "pc1"}, {"type", "pc"}, {"key_password", "s3cret pw"}})
                .code == Code::Ok);
    auto shown = f.run("device.show", {{"name", "pc1"}});
    CHECK(str(shown.result, "key_password") == "set");
    const std::string listed = json::serialize(f.run("device.list").result);
    CHECK(listed.find("s3cret") == std::string::npos);
    CHECK(json::serialize(shown.result).find("s3cret") == std::string::npos);
    for (const auto& a : f.store->activity(0, 100))
        CHECK(a.details.find("s3cret") == std::string::npos);

    auto exported = f.run("device.export", {{"name", "pc1"}});
    REQUIRE(exported.code == Code::Ok);
    const std::string profile = str(exported.result, "profile");
    const auto begin = profile.find("<key>\n") + 6;
    const std::string key = profile.substr(begin, profile.find("</key>") - begin);
    CHECK(key.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
    std::ofstream(f.dir.file("key.pem")) << key;
    std::ofstream(f.dir.file("right")) << "s3cret pw\n";
    std::ofstream(f.dir.file("wrong")) << "s3cret pX\n";
    const std::string pkey = "openssl pkey -noout -in " + f.dir.file("key.pem") + " -passin file:";
    CHECK(std::system((pkey + f.dir.file("right") + " 2>/dev/null").c_str()) == 0);
    CHECK(std::system((pkey + f.dir.file("wrong") + " 2>/dev/null").c_str()) != 0);
    const std::string asn1 =
        "openssl asn1parse -in " + f.dir.file("key.pem") + " | grep -q aes-256-cbc";
    CHECK(std::system(asn1.c_str()) == 0);

    REQUIRE(f.run("device.edit", {{"name", "pc1"}, {"key_password", ""}}).code == Code::Ok);
    CHECK(str(f.run("device.show", {{"name", "pc1"}}).result, "key_password") == "none");
    CHECK(str(f.run("device.export", {{"name", "pc1"}}).result, "profile")
              .find("-----BEGIN PRIVATE KEY-----") != std::string::npos);
}

TEST_CASE("device codes: individual, the configured default, or none") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "r1"}, {"type", "router"}, {"code", "abcd-1234"}}).code ==
            Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "r2"}, {"type", "router"}}).code == Code::Ok);
    CHECK(str(f.run("device.show", {{"name", "r1"}}).result, "device_code") == "individual");
    CHECK(str(f.run("device.show", {{"name", "r2"}}).result, "device_code") == "none");
    f.config.default_device_code = "site-code";
    CHECK(str(f.run("device.show", {{"name", "r2"}}).result, "device_code") == "default");
    CHECK(json::serialize(f.run("device.show", {{"name", "r1"}}).result).find("abcd-1234") ==
          std::string::npos);
}

TEST_CASE("certificates close to expiry are flagged in cert list and device list") {
    Fixture f(20);  // certificates valid 20 days; warning at 30 days by default
    const std::string first = added_serial(f.run("device.add", {{"name", "pc1"}, {"type", "pc"}}));
    auto flagged = [&f](const char* command) {
        auto r = command == std::string("device.list") ? f.run(command)
                                                       : f.run(command, {{"name", "pc1"}});
        return r.result.as_array().at(0).at("expiring_soon").as_bool();
    };
    CHECK(flagged("cert.list"));
    CHECK(flagged("device.list"));
    f.config.expiry_warning_days = 10;
    CHECK_FALSE(flagged("cert.list"));
    CHECK_FALSE(flagged("device.list"));

    // cert new: another certificate, listed after the first and exported from now on.
    auto issued = f.run("cert.new", {{"name", "pc1"}});
    REQUIRE(issued.code == Code::Ok);
    const std::string second = str(issued.result, "serial");
    auto certs = f.run("cert.list", {{"name", "pc1"}}).result.as_array();
    REQUIRE(certs.size() == 2);
    CHECK(str(certs.at(0), "serial") == first);
    CHECK(str(certs.at(1), "serial") == second);
    const std::string pem = f.store->find_by_serial(second)->cert.cert_pem;
    CHECK(str(f.run("device.export", {{"name", "pc1"}}).result, "profile").find(pem) !=
          std::string::npos);
    REQUIRE(f.run("cert.revoke", {{"name", "pc1"}, {"serial", first}}).code == Code::Ok);
    REQUIRE(f.run("cert.revoke", {{"name", "pc1"}, {"serial", second}}).code == Code::Ok);
    auto listed = f.run("device.list").result.as_array().at(0);
    CHECK(listed.at("cert_expires").is_null());  // no valid certificate left
    CHECK_FALSE(listed.at("expiring_soon").as_bool());
}

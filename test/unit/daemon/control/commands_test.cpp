// Admin commands against a real store and CA in a temp dir, with a fake SessionControl.
#include <catch2/catch.hpp>

#include <filesystem>

#include "control_fixture.hpp"
#include "daemon/core/revoked_names.hpp"

using namespace warden;
using namespace warden::control;
using warden::control::test::Fixture;
using warden::control::test::slurp;

TEST_CASE("device add issues a certificate and an address, export is a complete profile") {
    Fixture f;
    auto added = f.run("device.add", {{"name", "laptop-1"}, {"type", "pc"}});
    REQUIRE(added.code == Code::Ok);
    CHECK(added.result.at("vpn_ip").as_string() == "10.8.0.2");
    const std::string serial(added.result.at("certificate").as_string());
    CHECK(serial.size() >= 16);  // >= 64 bits

    auto second = f.run(
        "device.add",
        {{"name", "router-1"}, {"type", "router"}, {"network", "192.168.10.0/255.255.255.0"}});
    REQUIRE(second.code == Code::Ok);
    CHECK(second.result.at("vpn_ip").as_string() == "10.8.0.3");
    CHECK(second.result.at("network").as_string() == "192.168.10.0/24");

    auto exported = f.run("device.export", {{"name", "laptop-1"}});
    REQUIRE(exported.code == Code::Ok);
    const std::string profile(exported.result.at("profile").as_string());
    for (const char* needle :
         {"client\n", "remote vpn.example.net 1194\n", "proto udp\n", "remote-cert-tls server\n",
          "<ca>\n-----BEGIN CERTIFICATE-----", "<cert>\n-----BEGIN CERTIFICATE-----",
          "<key>\n-----BEGIN PRIVATE KEY-----", "<tls-crypt>\n",
          "-----BEGIN OpenVPN Static key V1-----",
          "\nauth-retry nointeract\n"}) {  // a refusal is retried, not the end
        INFO(needle);
        CHECK(profile.find(needle) != std::string::npos);
    }
    auto shown = f.run("device.show", {{"name", "laptop-1"}});
    REQUIRE(shown.code == Code::Ok);
    CHECK(shown.result.at("certificates").as_array().at(0).at("serial").as_string() == serial);
    CHECK(f.store->activity(0, 10).size() >= 3);
    CHECK(f.store->activity(0, 10).back().actor == "root");
}

// Invalid device input: device_validation_test.cpp.

TEST_CASE("revoking a certificate ends its session and rewrites the CRL") {
    Fixture f;
    auto added = f.run("device.add", {{"name", "pc1"}, {"type", "pc"}});
    const std::string serial(added.result.at("certificate").as_string());
    const std::string crl_before = slurp(f.authority->crl_path());
    f.clock += 5;
    auto reply = f.run("cert.revoke", {{"name", "pc1"}, {"serial", serial}});
    REQUIRE(reply.code == Code::Ok);
    CHECK(f.sessions.ended_serials == std::vector<std::string>{serial});
    CHECK(slurp(f.authority->crl_path()) != crl_before);
    // OpenVPN's `crl-verify DIR dir` refuses it from the reply on (issue 11).
    CHECK(std::filesystem::exists(f.authority->revoked_dir() + "/" +
                                  core::openvpn_serial_name(serial)));
    CHECK(f.run("cert.revoke", {{"name", "pc1"}, {"serial", serial}}).code == Code::Invalid);
    CHECK(f.run("cert.revoke", {{"name", "pc1"}, {"serial", "abcdef"}}).code == Code::NotFound);
    CHECK(f.run("cert.revoke", {{"name", "pc1"}, {"serial", "xyz"}}).code == Code::Invalid);
    auto certs = f.run("cert.list", {{"name", "pc1"}});
    CHECK(certs.result.as_array().at(0).at("state").as_string() == "revoked");
    CHECK(f.run("device.export", {{"name", "pc1"}}).code ==
          Code::Invalid);  // no valid certificate left
    REQUIRE(f.run("cert.new", {{"name", "pc1"}}).code == Code::Ok);
    CHECK(f.run("device.export", {{"name", "pc1"}}).code == Code::Ok);
}

TEST_CASE("deleting a device ends its session") {
    Fixture f;
    auto added = f.run("device.add", {{"name", "pc1"}, {"type", "pc"}});
    const std::string serial(added.result.at("certificate").as_string());
    REQUIRE(f.run("device.delete", {{"name", "pc1"}}).code == Code::Ok);
    // By serial: that also reaches sessions from before a daemon restart (by common name).
    CHECK(f.sessions.ended_serials == std::vector<std::string>{serial});
    CHECK(f.run("device.show", {{"name", "pc1"}}).code == Code::NotFound);
    CHECK(f.store->revoked_serials().size() == 1);
}

// Admin commands against a real store and CA in a temp dir, with a fake SessionControl.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon/control/services.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::control;

namespace {

struct FakeSessions : SessionControl {
    std::vector<std::string> ended_serials;
    std::vector<std::int64_t> ended_devices;
    std::vector<SessionView> list() override { return {}; }
    std::vector<InstanceView> instances() override { return {{"default", true, 0}}; }
    std::size_t end_sessions_of_serial(const std::string& serial, const std::string&) override {
        ended_serials.push_back(serial);
        return 1;
    }
    std::size_t end_sessions_of_device(std::int64_t id, const std::string&) override {
        ended_devices.push_back(id);
        return 1;
    }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Fixture {
    testing::TempDir dir;
    core::Config config;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Authority> authority;
    FakeSessions sessions;
    std::int64_t clock = std::time(nullptr);  // certificates are issued against the real clock
    std::unique_ptr<Services> services;
    Registry registry;
    Caller root{0, "root", true, true};

    Fixture() {
        config.state_dir = dir.path.string();
        config.remote = "vpn.example.net";
        Authority::create(config.pki_dir(), "test CA", 30, 30, clock);
        authority = std::make_unique<Authority>(config.pki_dir(), 30, 30);
        store = std::move(store::open_sqlite(config.database_path()).store);
        services = std::make_unique<Services>(
            Services{config, *store, *authority, sessions, [this] { return clock; }});
        register_all_commands(registry, *services);
    }

    Reply run(const std::string& command, json::object args = {}) {
        return registry.dispatch(json::object{{"command", command}, {"args", std::move(args)}},
                                 root);
    }
};

}  // namespace

TEST_CASE("device add issues a certificate and an address; export is a complete profile") {
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
          "-----BEGIN OpenVPN Static key V1-----"}) {
        INFO(needle);
        CHECK(profile.find(needle) != std::string::npos);
    }
    auto shown = f.run("device.show", {{"name", "laptop-1"}});
    REQUIRE(shown.code == Code::Ok);
    CHECK(shown.result.at("certificates").as_array().at(0).at("serial").as_string() == serial);
    CHECK(f.store->activity(0, 10).size() >= 3);
    CHECK(f.store->activity(0, 10).back().actor == "root");
}

TEST_CASE("invalid device input is refused naming the field, and changes nothing") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "r1"}, {"type", "router"}, {"network", "192.168.1.0/24"}})
                .code == Code::Ok);
    struct Case {
        json::object args;
        const char* field;
    };
    const std::vector<Case> cases = {
        {{{"name", ""}, {"type", "pc"}}, "name:"},
        {{{"name", std::string(65, 'a')}, {"type", "pc"}}, "name:"},
        {{{"name", "bad name"}, {"type", "pc"}}, "name:"},
        {{{"name", "tab\there"}, {"type", "pc"}}, "name:"},
        {{{"name", "-dash"}, {"type", "pc"}}, "name:"},
        {{{"name", "r1"}, {"type", "pc"}}, "name:"},
        {{{"name", "x"}, {"type", "phone"}}, "type:"},
        {{{"name", "x"}, {"type", "pc"}, {"group", "nope"}}, "group:"},
        {{{"name", "x"}, {"type", "pc"}, {"network", "10.1.0.0/24"}}, "network:"},
        {{{"name", "x"}, {"type", "router"}, {"network", "10.8.0.0/16"}}, "network:"},
        {{{"name", "x"}, {"type", "router"}, {"network", "192.168.1.128/25"}}, "network:"},
        {{{"name", "x"}, {"type", "router"}, {"network", "192.168.2.1/24"}}, "network:"},
        {{{"name", "x"},
          {"type", "router"},
          {"network", "192.168.2.0/24"},
          {"netmap", "10.0.0.0/16"}},
         "netmap:"},
    };
    const auto before = f.store->device_count();
    for (const auto& c : cases) {
        INFO(json::serialize(c.args));
        auto reply = f.run("device.add", c.args);
        CHECK(reply.code == Code::Invalid);
        CHECK(reply.message.rfind(c.field, 0) == 0);
    }
    CHECK(f.store->device_count() == before);
}

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
    const auto id = f.store->find_device("pc1")->id;
    REQUIRE(f.run("device.delete", {{"name", "pc1"}}).code == Code::Ok);
    CHECK(f.sessions.ended_devices == std::vector<std::int64_t>{id});
    CHECK(f.run("device.show", {{"name", "pc1"}}).code == Code::NotFound);
    CHECK(f.store->revoked_serials().size() == 1);
}

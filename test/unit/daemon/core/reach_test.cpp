// Pushed routes follow the communication rules: the pure filter, and what a connecting
// client is actually sent.
#include <catch2/catch.hpp>

#include "daemon/core/auth_service.hpp"
#include "daemon/core/reach.hpp"
#include "plugin_answer.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using warden::testing::handle;

namespace {

store::Rule rule(const std::string& from, const std::string& to) {
    store::Rule r;
    r.from_group = from;
    r.to_group = to;
    return r;
}

std::vector<std::int64_t> ids(const std::vector<store::RoutedNetworkRow>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows) out.push_back(r.device_id);
    return out;
}

}  // namespace

TEST_CASE("reach: a rule in either direction links groups, others are not routed") {
    const std::vector<store::RoutedNetworkRow> routed = {{1, "192.168.1.0/24", "plant"},
                                                         {2, "192.168.2.0/24", "office"},
                                                         {3, "192.168.3.0/24", "pcs"},
                                                         {4, "192.168.4.0/24", "lab"}};
    // pcs -> plant (one-way, pcs initiate), office -> pcs (one-way: pcs only reply).
    const std::vector<store::Rule> rules = {rule("pcs", "plant"), rule("office", "pcs"),
                                            rule("lab", "plant")};
    CHECK(ids(core::reachable_networks("pcs", routed, rules)) == std::vector<std::int64_t>{1, 2});
    CHECK(ids(core::reachable_networks("plant", routed, rules)) == std::vector<std::int64_t>{3, 4});
    CHECK(core::reachable_networks("nobody", routed, rules).empty());
    CHECK(core::reachable_networks("pcs", routed, {}).empty());
    // Within one group: its own routers' networks.
    CHECK(ids(core::reachable_networks("lab", routed, {rule("lab", "lab")})) ==
          std::vector<std::int64_t>{4});
}

TEST_CASE("reach: a connecting pc is pushed routes only to networks its group may reach") {
    testing::TempDir dir;
    auto store = std::move(store::open_sqlite(dir.file("w.db")).store);
    for (const char* name : {"pcs", "plant", "office"}) {
        store::Group g;
        g.name = name;
        REQUIRE(store->add_group(g).ok());
    }
    auto add = [&](const char* name, const char* group, std::uint32_t ip, const char* network) {
        store::Device d;
        d.name = name;
        d.group = group;
        d.vpn_ip = ip;
        d.network = network;
        d.type = *network ? store::DeviceType::Router : store::DeviceType::Pc;
        REQUIRE(store->add_device(d).ok());
        return d.id;
    };
    const auto pc = add("laptop", "pcs", 0x0a080007, "");
    add("r-plant", "plant", 0x0a080008, "192.168.1.0/24");
    add("r-office", "office", 0x0a080009, "192.168.2.0/24");
    store::Certificate c;
    c.serial = "abc123";
    c.device_id = pc;
    c.common_name = "laptop";
    c.fingerprint = "00";
    c.not_after = 10000;
    c.cert_pem = "x";
    REQUIRE(store->add_certificate(c).ok());
    auto r = rule("pcs", "plant");
    REQUIRE(store->add_rule(r).ok());

    core::SessionTable table;
    core::Clock clock{[] { return std::int64_t{5000}; }};
    core::AuthService auth{*store, table, {*net::parse_network("10.8.0.0/24"), 0x0a080001}, clock};
    wire::Message m(wire::Type::Connect, 1);
    m.set("tls_serial_hex_0", "abc123").set("common_name", "laptop");
    m.set("untrusted_ip", "192.0.2.5").set("untrusted_port", "40000");
    auto reply = handle(auth, m, "main");
    REQUIRE(reply);
    CHECK(reply->get("config") ==
          "ifconfig-push 10.8.0.7 255.255.255.0\npush \"route 192.168.1.0 255.255.255.0\"\n");
}

#include <catch2/catch.hpp>

#include "daemon/core/netmap.hpp"
#include "daemon/core/routing.hpp"

using namespace warden;
using namespace warden::core;

namespace {

net::Network cidr(const char* text) {
    auto n = net::parse_network(text);
    REQUIRE(n);
    return *n;
}

store::Device router(std::int64_t id, const char* network) {
    store::Device d;
    d.id = id;
    d.name = "r" + std::to_string(id);
    d.type = store::DeviceType::Router;
    d.network = network;
    return d;
}

}  // namespace

TEST_CASE("routing: a router gets an iroute for its network and routes to the others") {
    const std::vector<RoutedNetwork> all = {{1, cidr("192.168.1.0/24")},
                                            {2, cidr("10.201.2.0/24")}};
    CHECK(routing_config(router(1, "192.168.1.0/24"), all) ==
          "iroute 192.168.1.0 255.255.255.0\n"
          "push \"route 10.201.2.0 255.255.255.0\"\n");
}

TEST_CASE("routing: a pc gets no iroute, only pushed routes") {
    store::Device pc;
    pc.id = 7;
    const std::vector<RoutedNetwork> all = {{1, cidr("192.168.1.0/24")},
                                            {2, cidr("172.16.0.0/16")}};
    CHECK(routing_config(pc, all) ==
          "push \"route 192.168.1.0 255.255.255.0\"\n"
          "push \"route 172.16.0.0 255.255.0.0\"\n");
    CHECK(routing_config(pc, {}).empty());
}

TEST_CASE("routing: stored rows that do not parse are skipped") {
    auto routed = routed_networks({{1, "192.168.1.0/24"}, {2, "garbage"}, {3, ""}});
    REQUIRE(routed.size() == 1);
    CHECK(routed[0].device_id == 1);
}

TEST_CASE("routing: kernel route changes are the set differences") {
    const std::vector<net::Network> present = {cidr("192.168.1.0/24"), cidr("192.168.9.0/24")};
    const std::vector<RoutedNetwork> wanted = {
        {1, cidr("192.168.1.0/24")}, {2, cidr("10.201.2.0/24")}, {3, cidr("10.201.2.0/24")}};
    auto changes = route_changes(present, wanted);
    REQUIRE(changes.add.size() == 1);
    CHECK(changes.add[0].to_string() == "10.201.2.0/24");
    REQUIRE(changes.remove.size() == 1);
    CHECK(changes.remove[0].to_string() == "192.168.9.0/24");
    CHECK(route_changes({cidr("10.1.0.0/16")}, {{1, cidr("10.1.0.0/16")}}).empty());
}

TEST_CASE("netmap: a netmap router gets both translations, others nothing") {
    store::Device d = router(3, "10.201.1.0/24");
    d.name = "plant-a";
    d.addressing = "netmap";
    d.local_network = "192.168.0.0/24";
    const std::string nft = netmap_nftables(d);
    CHECK(nft.find("ip daddr 10.201.1.0/24 dnat ip prefix to ip daddr map { 10.201.1.0/24 : "
                   "192.168.0.0/24 }") != std::string::npos);
    CHECK(nft.find("oifname \"tun*\" ip saddr 192.168.0.0/24 snat ip prefix to ip saddr map { "
                   "192.168.0.0/24 : 10.201.1.0/24 }") != std::string::npos);
    CHECK(nft.find("delete table ip warden_netmap") != std::string::npos);  // re-appliable

    d.addressing = "direct";
    CHECK(netmap_nftables(d).empty());
    d.addressing = "netmap";
    d.local_network = "192.168.0.0/25";  // sizes differ: refused at input, never rendered
    CHECK(netmap_nftables(d).empty());
    d.type = store::DeviceType::Pc;
    CHECK(netmap_nftables(d).empty());
}

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
          "push \"route 172.16.0.0 255.255.0.0\"\n"
          "push \"route 192.168.1.0 255.255.255.0\"\n");
    CHECK(routing_config(pc, {}).empty());
}

TEST_CASE("routing: stored rows that do not parse are skipped") {
    auto routed = routed_networks({{1, "192.168.1.0/24"}, {2, "garbage"}, {3, ""}});
    REQUIRE(routed.size() == 1);
    CHECK(routed[0].device_id == 1);
}

TEST_CASE("routing: kernel route changes are the set differences") {
    const std::vector<KernelRoute> present = {{cidr("192.168.1.0/24")}, {cidr("192.168.9.0/24")}};
    const std::vector<RoutedNetwork> wanted = {
        {1, cidr("192.168.1.0/24")}, {2, cidr("10.201.2.0/24")}, {3, cidr("10.201.2.0/24")}};
    auto changes = route_changes(present, wanted);
    REQUIRE(changes.add.size() == 1);
    CHECK(changes.add[0].network.to_string() == "10.201.2.0/24");
    REQUIRE(changes.remove.size() == 1);
    CHECK(changes.remove[0].network.to_string() == "192.168.9.0/24");
    CHECK(route_changes({{cidr("10.1.0.0/16")}}, {{1, cidr("10.1.0.0/16")}}).empty());
}

// Several nodes: a router connected to node b is routed via b's address, and b also gets
// the VPN address of a pc connected there; everything else stays in the tun device.
TEST_CASE("routing: devices on another node are routed via that node") {
    const std::uint32_t node_b = *net::parse_ipv4("10.250.90.2");
    const auto routes = routes_across_nodes(
        {{1, cidr("192.168.77.0/24")}, {2, cidr("192.168.78.0/24")}},
        {{1, *net::parse_ipv4("10.8.0.5"), node_b}, {3, *net::parse_ipv4("10.8.0.9"), node_b}});
    REQUIRE(routes.size() == 4);
    CHECK(routes[0].via == node_b);  // router 1's LAN
    CHECK_FALSE(routes[1].via);      // router 2: here or nowhere, the tun device
    CHECK(routes[2].network.to_string() == "10.8.0.5/32");
    CHECK(routes[3].network.to_string() == "10.8.0.9/32");
    CHECK(routes[3].via == node_b);

    // A route that moves from the tun device to another node is replaced, and back.
    const std::vector<KernelRoute> in_tun = {{cidr("192.168.77.0/24")}};
    const auto moved = route_changes(in_tun, {{1, cidr("192.168.77.0/24"), node_b}});
    REQUIRE(moved.add.size() == 1);
    CHECK(moved.add[0].via == node_b);
    REQUIRE(moved.remove.size() == 1);
    CHECK_FALSE(moved.remove[0].via);
}

TEST_CASE("netmap: a netmap router gets both translations, others nothing") {
    store::Device d = router(3, "10.201.1.0/24");
    d.name = "plant-a";
    d.addressing = store::Addressing::Netmap;
    d.local_network = "192.168.0.0/24";
    const std::string nft = netmap_nftables(d);
    CHECK(nft.find("ip daddr 10.201.1.0/24 dnat ip prefix to ip daddr map { 10.201.1.0/24 : "
                   "192.168.0.0/24 }") != std::string::npos);
    CHECK(nft.find("oifname \"tun*\" ip saddr 192.168.0.0/24 snat ip prefix to ip saddr map { "
                   "192.168.0.0/24 : 10.201.1.0/24 }") != std::string::npos);
    CHECK(nft.find("delete table ip warden_netmap") != std::string::npos);  // re-appliable

    d.addressing = store::Addressing::Direct;
    CHECK(netmap_nftables(d).empty());
    d.addressing = store::Addressing::Netmap;
    d.local_network = "192.168.0.0/25";  // sizes differ: refused at input, never rendered
    CHECK(netmap_nftables(d).empty());
    d.type = store::DeviceType::Pc;
    CHECK(netmap_nftables(d).empty());
}

namespace {

std::vector<std::string> texts(const std::vector<net::Network>& networks) {
    std::vector<std::string> out;
    for (const auto& n : networks) out.push_back(n.to_string());
    return out;
}

std::vector<net::Network> cidrs(std::initializer_list<const char*> list) {
    std::vector<net::Network> out;
    for (const char* c : list) out.push_back(cidr(c));
    return out;
}

}  // namespace

TEST_CASE("aggregation merges sibling halves, repeatedly") {
    CHECK(texts(aggregate_networks(cidrs({"10.0.0.128/25", "10.0.0.0/25"}))) ==
          std::vector<std::string>{"10.0.0.0/24"});
    CHECK(texts(aggregate_networks(
              cidrs({"10.0.0.0/25", "10.0.0.128/26", "10.0.0.192/26", "10.0.1.0/24"}))) ==
          std::vector<std::string>{"10.0.0.0/23"});
    // 256 adjacent /24s are one /16.
    std::vector<net::Network> many;
    for (int i = 255; i >= 0; --i)
        many.push_back(cidr(("10.7." + std::to_string(i) + ".0/24").c_str()));
    CHECK(texts(aggregate_networks(many)) == std::vector<std::string>{"10.7.0.0/16"});
}

TEST_CASE("aggregation drops duplicates and contained networks, never widens") {
    CHECK(texts(aggregate_networks(cidrs({"10.0.0.0/16", "10.0.5.0/24", "10.0.0.0/16"}))) ==
          std::vector<std::string>{"10.0.0.0/16"});
    CHECK(texts(aggregate_networks(cidrs({"10.0.5.0/24", "10.0.0.0/16"}))) ==
          std::vector<std::string>{"10.0.0.0/16"});
    // Adjacent but not halves of one parent: 10.0.1.0/24 + 10.0.2.0/24 is not a /23.
    CHECK(texts(aggregate_networks(cidrs({"10.0.2.0/24", "10.0.1.0/24"}))) ==
          std::vector<std::string>{"10.0.1.0/24", "10.0.2.0/24"});
    // Different lengths side by side stay apart.
    CHECK(texts(aggregate_networks(cidrs({"10.0.0.0/24", "10.0.1.0/25"}))) ==
          std::vector<std::string>{"10.0.0.0/24", "10.0.1.0/25"});
    CHECK(aggregate_networks({}).empty());
    CHECK(texts(aggregate_networks(cidrs({"0.0.0.0/1", "128.0.0.0/1"}))) ==
          std::vector<std::string>{"0.0.0.0/0"});
}

TEST_CASE("aggregation covers exactly the same addresses") {
    // Every other /26 in a /20 plus some /24s: compare membership address by address.
    std::vector<net::Network> input;
    for (int i = 0; i < 64; i += 2) {
        net::Network n;
        n.address = 0x0a000000u + static_cast<std::uint32_t>(i) * 64;
        n.prefix = 26;
        input.push_back(n);
    }
    for (const char* c : {"10.0.4.0/24", "10.0.5.0/24", "10.0.6.0/23", "10.0.8.0/22"})
        input.push_back(cidr(c));
    const auto merged = aggregate_networks(input);
    CHECK(merged.size() < input.size());
    auto covered = [](const std::vector<net::Network>& list, std::uint32_t ip) {
        for (const auto& n : list)
            if (n.contains(ip)) return true;
        return false;
    };
    for (std::uint32_t ip = 0x0a000000u; ip < 0x0a001000u; ++ip) {
        if (covered(input, ip) != covered(merged, ip)) FAIL("differs at " << net::format_ipv4(ip));
    }
}

TEST_CASE("routing: pushed routes are aggregated, the device's own network is not pushed") {
    store::Device pc;
    pc.id = 7;
    const std::vector<RoutedNetwork> all = {
        {1, cidr("10.9.0.0/24")}, {2, cidr("10.9.1.0/24")}, {7, cidr("10.9.2.0/24")}};
    CHECK(routing_config(pc, all) == "push \"route 10.9.0.0 255.255.254.0\"\n");
}

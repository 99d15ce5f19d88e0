// The kernel edges of the flow cut and the table check, in a private network namespace
// (root only): ConntrackCutter lists and deletes real conntrack entries, and
// NftApplier::fingerprint notices a flushed table.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <sched.h>
#include <unistd.h>

#include "daemon/firewall/applier.hpp"
#include "daemon/firewall/conntrack.hpp"
#include "daemon/firewall/script.hpp"

using namespace warden;
using namespace warden::firewall;

namespace {

bool enter_private_netns() {
    return ::geteuid() == 0 && ::unshare(CLONE_NEWNET) == 0;
}

bool create_flow(std::uint32_t src, std::uint32_t dst, std::uint16_t port) {
    nfct_handle* h = nfct_open(CONNTRACK, 0);
    if (!h) return false;
    nf_conntrack* ct = nfct_new();
    nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
    nfct_set_attr_u32(ct, ATTR_IPV4_SRC, htonl(src));
    nfct_set_attr_u32(ct, ATTR_IPV4_DST, htonl(dst));
    nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
    nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(40000));
    nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(port));
    nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
    nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
    nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
    const bool ok = nfct_query(h, NFCT_Q_CREATE, ct) == 0;
    nfct_destroy(ct);
    nfct_close(h);
    return ok;
}

}  // namespace

TEST_CASE("conntrack: the cutter deletes exactly the flows the judge rejects (root)") {
    if (!enter_private_netns()) {
        WARN("not root (or no network namespaces): conntrack check skipped");
        return;
    }
    if (!create_flow(0x0a080002, 0x0a080003, 22)) {
        WARN("cannot create conntrack entries (nf_conntrack not loaded?): skipped");
        return;
    }
    REQUIRE(create_flow(0x0a080002, 0x0a080003, 80));
    REQUIRE(create_flow(0x0a080003, 0x0a080002, 22));
    ConntrackCutter cutter;
    std::vector<Flow> judged;
    auto no_ssh = [&](const Flow& f) {
        judged.push_back(f);
        return f.dst_port != 22;
    };
    const auto first = cutter.cut(no_ssh);
    CHECK(first.ok());
    CHECK(first.seen == 3);
    CHECK(first.cut == 2);
    REQUIRE(judged.size() == 3);
    CHECK(std::count_if(judged.begin(), judged.end(), [](const Flow& f) {
              return f.src == 0x0a080002 && f.dst == 0x0a080003 && f.proto == IPPROTO_TCP &&
                     f.dst_port == 80;
          }) == 1);
    const auto again = cutter.cut([](const Flow&) { return true; });
    CHECK(again.seen == 1);  // only the port 80 flow is left
    CHECK(again.cut == 0);
}

TEST_CASE("nft: the fingerprint is stable and gone after an external flush (root)") {
    if (::geteuid() != 0) {
        WARN("not root: skipped");
        return;
    }
    ::unshare(CLONE_NEWNET);  // (may already be in a private one)
    FirewallInput in;
    in.pool = *net::parse_network("10.8.0.0/24");
    in.groups = {{1, "default"}};
    NftApplier nft;
    REQUIRE(nft.apply(render_full(build_ruleset(in, "fp_test"))) == "");
    const auto first = nft.fingerprint("fp_test");
    REQUIRE(first);
    CHECK(first->find("chain forward") != std::string::npos);
    CHECK(first->find("packets") == std::string::npos);  // no counters: stable
    CHECK(nft.fingerprint("fp_test") == first);
    const auto chains = nft.chain_list();
    REQUIRE(chains);
    CHECK(chains->find("chain forward") != std::string::npos);
    CHECK(chains->find("ip saddr") == std::string::npos);  // declarations only
    REQUIRE(nft.run("flush ruleset").ok);
    CHECK_FALSE(nft.fingerprint("fp_test"));
    CHECK(nft.chain_list() != chains);
}

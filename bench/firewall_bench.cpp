// Firewall at scale (SPEC §12): 10 000 devices, 500 groups, 5 000 rules in a real store;
// times a full rebuild (store -> Ruleset -> script -> kernel, one transaction) and one
// rule change (the daemon's path: store -> Ruleset -> element delta -> kernel), and
// prints the rule and element counts of the table the kernel holds. Then, with FLOWS live
// conntrack entries between devices, the cost of cutting the flows a change denies (the
// sweep after every change) and of the table check the daemon runs every second.
//
//   sudo build/default/bench/firewall_bench [DEVICES] [GROUPS] [RULES] [FLOWS]
//
// Runs in a network namespace of its own (unshare), so the host's tables are untouched.
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include "common/log.hpp"

#include "daemon/firewall/firewall.hpp"
#include "daemon/firewall/script.hpp"

using namespace warden;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of this process (user + system, which includes the kernel's netlink work done
// in our syscalls): what the wall time would be on an idle machine. The build machine
// is shared, so wall times carry other people's load.
double cpu_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Stats {
    std::vector<double> runs, cpu;
    Clock::time_point start;
    double cpu_start = 0;
    void begin() {
        start = Clock::now();
        cpu_start = cpu_ms();
    }
    void end() {
        runs.push_back(ms_since(start));
        cpu.push_back(cpu_ms() - cpu_start);
    }
    static double median(std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }
    std::string text() const {
        char buf[160];
        std::snprintf(buf, sizeof buf, "median %.1f ms (CPU %.1f ms), max %.1f ms (CPU %.1f ms)",
                      median(runs), median(cpu), *std::max_element(runs.begin(), runs.end()),
                      *std::max_element(cpu.begin(), cpu.end()));
        return buf;
    }
};

// Groups g0..g{n-1}; devices: one in five a router with a /24; rules: a mix of any,
// TCP port lists, single UDP ports and ICMP, one in four both ways.
void seed(store::Store& st, int devices, int groups, int rules) {
    std::mt19937 rng(5);
    st.transaction([&] {
        for (int g = 0; g < groups; ++g) {
            store::Group group{0, "g" + std::to_string(g)};
            st.add_group(group);
        }
        for (int i = 0; i < devices; ++i) {
            store::Device d;
            d.name = "d" + std::to_string(i);
            d.group = "g" + std::to_string(rng() % groups);
            d.vpn_ip = 0x0a400000u + 2 + static_cast<std::uint32_t>(i);  // 10.64.0.0/16
            if (i % 5 == 0) {
                d.type = store::DeviceType::Router;
                const std::uint32_t net = 0x0a800000u + static_cast<std::uint32_t>(i / 5) * 256;
                d.network = net::Network{net, 24}.to_string();  // 10.128.0.0/9
            }
            if (!st.add_device(d).ok()) std::abort();
        }
        const char* port_lists[] = {"80,443", "22", "8000-8100,9000", "502", "1000-2000,3389"};
        for (int i = 0; i < rules; ++i) {
            store::Rule r;
            r.from_group = "g" + std::to_string(rng() % groups);
            r.to_group = "g" + std::to_string(rng() % groups);
            r.both = rng() % 4 == 0;
            switch (i % 4) {
                case 0:
                    break;  // any
                case 1:
                    r.proto = "tcp";
                    r.ports = port_lists[rng() % 5];
                    break;
                case 2:
                    r.proto = "udp";
                    r.ports = std::to_string(1 + rng() % 65535);
                    break;
                case 3:
                    r.proto = "icmp";
                    break;
            }
            if (!st.add_rule(r).ok()) std::abort();
        }
    });
}

// Rules as the kernel lists them: lines inside chains other than the hook declaration.
std::size_t kernel_rules(firewall::NftApplier& nft, const std::string& table) {
    auto listed = nft.run("list table inet " + table);
    std::istringstream in(listed.output);
    std::string line;
    std::size_t count = 0;
    bool in_chain = false;
    while (std::getline(in, line)) {
        const auto text = line.substr(std::min(line.find_first_not_of('\t'), line.size()));
        if (text.rfind("chain ", 0) == 0)
            in_chain = true;
        else if (text == "}")
            in_chain = false;
        else if (in_chain && !text.empty() && text.rfind("type ", 0) != 0)
            ++count;
    }
    return count;
}

// FLOWS established TCP entries, created in the bench's own namespace: half between random
// devices' VPN IPs (10.64.0.0/16, to the port the rule changes below use), half between
// hosts that are not participants (10.200.0.0/16), which every sweep lists and keeps.
bool seed_flows(int flows, int devices) {
    nfct_handle* h = nfct_open(CONNTRACK, 0);
    if (!h) return false;
    std::mt19937 rng(9);
    int created = 0;
    for (int i = 0; i < flows; ++i) {
        nf_conntrack* ct = nfct_new();
        const std::uint32_t base = i % 2 ? 0x0ac80002u : 0x0a400002u;
        const std::uint32_t src = base + rng() % static_cast<std::uint32_t>(devices);
        const std::uint32_t dst = base + rng() % static_cast<std::uint32_t>(devices);
        nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
        nfct_set_attr_u32(ct, ATTR_IPV4_SRC, htonl(src));
        nfct_set_attr_u32(ct, ATTR_IPV4_DST, htonl(dst));
        nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
        nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(static_cast<std::uint16_t>(10000 + i % 50000)));
        nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(4840));
        nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
        nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
        nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
        if (nfct_query(h, NFCT_Q_CREATE, ct) == 0) ++created;
        nfct_destroy(ct);
    }
    nfct_close(h);
    std::printf("conntrack: %d of %d flows created\n", created, flows);
    return created > 0;
}

}  // namespace

int main(int argc, char** argv) {
    const int devices = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int groups = argc > 2 ? std::atoi(argv[2]) : 500;
    const int rules = argc > 3 ? std::atoi(argv[3]) : 5000;
    const int flows = argc > 4 ? std::atoi(argv[4]) : 20000;
    if (::geteuid() != 0 || ::unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "firewall_bench: needs root (it runs in its own network namespace)\n");
        return 1;
    }
    log::set_min_level(log::Level::Warning);  // no "firewall applied" line per run
    char tmpl[] = "/tmp/warden-fwbench-XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(tmpl);
    auto st = std::move(store::open_sqlite((dir / "warden.db").string()).store);
    seed(*st, devices, groups, rules);
    const auto pool = *net::parse_network("10.64.0.0/16");
    firewall::NftApplier nft;
    firewall::Firewall fw("warden", pool, *st, nft);

    // Where a full rebuild's time goes, once.
    auto t = Clock::now();
    const auto input = firewall::load_input(*st, pool);
    const double read_ms = ms_since(t);
    t = Clock::now();
    const auto ruleset = firewall::build_ruleset(input, "warden");
    const double build_ms = ms_since(t);
    t = Clock::now();
    const auto script = firewall::render_full(ruleset);
    const double render_ms = ms_since(t);
    if (const char* path = std::getenv("FWBENCH_SCRIPT")) {  // for looking at it with nft -f
        if (std::FILE* f = std::fopen(path, "w")) {
            std::fputs(script.c_str(), f);
            std::fclose(f);
        }
    }
    t = Clock::now();
    if (auto err = nft.apply(script); !err.empty()) {
        std::fprintf(stderr, "apply failed: %s\n", err.c_str());
        return 1;
    }
    const double apply_ms = ms_since(t);

    Stats full, change;
    for (int i = 0; i < 5; ++i) {
        fw.invalidate();
        full.begin();
        if (!fw.refresh().ok()) return 1;
        full.end();
    }
    // Pairs of groups no rule links yet, so each change really changes the table.
    std::vector<std::pair<std::string, std::string>> free_pairs;
    for (int a = 0; a < groups && free_pairs.size() < 10; ++a) {
        const std::string from = "g" + std::to_string(a),
                          to = "g" + std::to_string((a + 7) % groups);
        if (std::none_of(input.rules.begin(), input.rules.end(), [&](const store::Rule& r) {
                return (r.from_group == from && r.to_group == to) ||
                       (r.both && r.from_group == to && r.to_group == from);
            }))
            free_pairs.emplace_back(from, to);
    }
    for (const auto& [from, to] : free_pairs) {  // add a rule, then delete it: 20 changes
        store::Rule r;
        r.from_group = from;
        r.to_group = to;
        r.proto = "tcp";
        r.ports = "4840";
        st->add_rule(r);
        change.begin();
        auto added = fw.refresh(firewall::Firewall::Scope::Rules);  // as after rule.add
        change.end();
        st->delete_rule(r.id);
        change.begin();
        auto removed = fw.refresh(firewall::Firewall::Scope::Rules);
        change.end();
        if (!added.ok() || !removed.ok() || added.mode != firewall::RefreshResult::Mode::Delta) {
            std::fprintf(stderr, "rule change was not applied as a delta\n");
            return 1;
        }
    }

    std::size_t allow = 0;
    for (const auto& [id, elements] : ruleset.allowed) allow += elements.size();
    std::printf("firewall bench: %d devices (%d routers), %d groups, %d rules\n", devices,
                (devices + 4) / 5, groups, rules);
    std::printf(
        "table: %zu nftables rules in the kernel (%zu rendered); elements: addresses %zu, "
        "allow %zu; script %zu KiB\n",
        kernel_rules(nft, "warden"), firewall::rule_count(ruleset), ruleset.members.size(), allow,
        script.size() / 1024);
    std::printf("full rebuild: %s (5 runs; target <= 200 ms)\n", full.text().c_str());
    std::printf(
        "  of which: store read %.1f ms, build %.1f ms, render %.1f ms, kernel apply %.1f ms\n",
        read_ms, build_ms, render_ms, apply_ms);
    std::printf("one rule change: %s (20 runs, add or delete; target <= 50 ms)\n",
                change.text().c_str());

    // The sweep after each change: list every IPv4 flow, judge it, delete the denied ones.
    if (flows > 0 && seed_flows(flows, devices)) {
        firewall::ConntrackCutter cutter;
        firewall::Firewall swept("warden", pool, *st, nft, &cutter);
        Stats first, sweep;
        first.begin();
        if (!swept.refresh().ok()) return 1;  // full, and the first cut of the denied flows
        first.end();
        const auto cut_first = swept.health().flows_cut;
        for (const auto& [from, to] : free_pairs) {
            store::Rule r;
            r.from_group = from;
            r.to_group = to;
            r.proto = "tcp";
            r.ports = "4840";
            st->add_rule(r);
            sweep.begin();
            swept.refresh(firewall::Firewall::Scope::Rules);
            sweep.end();
            st->delete_rule(r.id);
            sweep.begin();
            swept.refresh(firewall::Firewall::Scope::Rules);
            sweep.end();
        }
        std::printf("flow cut: first refresh (full table + cut %zu of %d flows) %s\n", cut_first,
                    flows, first.text().c_str());
        std::printf("one rule change with the sweep (%zu flows cut in all): %s (20 runs)\n",
                    swept.health().flows_cut - cut_first, sweep.text().c_str());
    }
    Stats check, look;
    for (int i = 0; i < 20; ++i) {
        check.begin();
        if (auto r = fw.check(); r && !r->ok()) return 1;  // the chain list, unchanged
        check.end();
        look.begin();
        if (!nft.fingerprint("warden")) return 1;  // the forward chain: every 15th check
        look.end();
    }
    std::printf("table check, every 2 s in wardend (list chains): %s (20 runs)\n",
                check.text().c_str());
    std::printf("  forward chain comparison, every %zu checks or when the chain list changed: %s\n",
                firewall::kFullCheckEvery, look.text().c_str());
    std::filesystem::remove_all(dir);
    return 0;
}

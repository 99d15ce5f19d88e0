// Firewall at scale (SPEC §12): 10 000 devices, 500 groups, 5 000 rules in a real store;
// times a full rebuild (store -> Ruleset -> netlink batch -> kernel, one transaction),
// one rule change (the daemon's path: store -> Ruleset -> element delta -> kernel) and a
// group added (a delta too), each also through the nftables text path (libnftables'
// parser, the way before netlink) in the same run, and prints the rule and element counts
// of the table the kernel holds. Then, with FLOWS live conntrack entries between devices,
// the cost of cutting the flows a change denies (the sweep after a change, on the event
// loop and on its own thread) and of the table check the daemon runs every 2 s.
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
#include "daemon/firewall/netlink.hpp"
#include "daemon/firewall/script.hpp"
#include "daemon/firewall/sweeper.hpp"

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

// The text path: the same kernel, every table and delta as nftables script through
// libnftables (Applier's defaults), as before the netlink batch.
struct TextApplier final : firewall::Applier {
    firewall::NftApplier& nft;
    explicit TextApplier(firewall::NftApplier& n) : nft(n) {}
    std::string apply(const std::string& script) override { return nft.apply(script); }
    std::optional<std::string> fingerprint(const std::string& t) override {
        return nft.fingerprint(t);
    }
    std::optional<std::string> chain_list() override { return nft.chain_list(); }
};

store::Rule free_rule(const std::pair<std::string, std::string>& pair) {
    store::Rule r;
    r.from_group = pair.first;
    r.to_group = pair.second;
    r.proto = "tcp";
    r.ports = "4840";
    return r;
}

// 20 rule changes (add a rule, then delete it, 10 times); false when one was no delta.
bool rule_changes(store::Store& st, firewall::Firewall& fw, Stats& stats,
                  const std::vector<std::pair<std::string, std::string>>& pairs,
                  firewall::BackgroundCutter* sweeper = nullptr, Stats* sweeps = nullptr) {
    auto timed = [&] {
        stats.begin();
        auto r = fw.refresh(firewall::Firewall::Scope::Rules);  // as after rule.add / delete
        stats.end();
        if (sweeper) {  // the sweep behind it, until done
            sweeps->begin();
            sweeper->wait_idle();
            sweeps->end();
        }
        return r.ok() && r.mode == firewall::RefreshResult::Mode::Delta;
    };
    for (const auto& pair : pairs) {
        auto r = free_rule(pair);
        st.add_rule(r);
        const bool added = timed();
        st.delete_rule(r.id);
        if (!added || !timed()) return false;
    }
    return true;
}

// Groups added (each with one device, a delta) and deleted again (a full load): 5 each.
bool group_changes(store::Store& st, firewall::Firewall& fw, Stats& add, Stats& remove, int n) {
    for (int i = 0; i < 5; ++i) {
        store::Group g{0, "bench_new" + std::to_string(i)};
        st.add_group(g);
        store::Device d;
        d.name = "bench_dev" + std::to_string(i);
        d.group = g.name;
        d.vpn_ip = 0x0a400000u + 2 + static_cast<std::uint32_t>(n + i);
        if (!st.add_device(d).ok()) return false;
        add.begin();
        auto added = fw.refresh();
        add.end();
        st.delete_device(d.name, 0);
        st.delete_group(g.name);
        remove.begin();
        auto removed = fw.refresh();
        remove.end();
        if (!added.ok() || !removed.ok()) return false;
    }
    return true;
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
    const double text_apply_ms = ms_since(t);
    t = Clock::now();
    const auto batch = firewall::netlink_full(ruleset, 1);
    const double batch_ms = ms_since(t);
    t = Clock::now();
    if (auto err = nft.apply_full(ruleset); !err.empty()) {
        std::fprintf(stderr, "netlink apply failed: %s\n", err.c_str());
        return 1;
    }
    const double netlink_apply_ms = ms_since(t);

    TextApplier text_nft(nft);
    firewall::Firewall text_fw("warden", pool, *st, text_nft);
    Stats full, change, text_full, text_change, group_add, group_delete, text_group_add,
        text_group_delete;
    for (int i = 0; i < 5; ++i) {  // alternating, so both see the same machine
        text_fw.invalidate();
        text_full.begin();
        if (!text_fw.refresh().ok()) return 1;
        text_full.end();
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
    text_fw.invalidate();
    if (!text_fw.refresh().ok() || !rule_changes(*st, text_fw, text_change, free_pairs)) return 1;
    fw.invalidate();
    if (!fw.refresh().ok() || !rule_changes(*st, fw, change, free_pairs)) {
        std::fprintf(stderr, "rule change was not applied as a delta\n");
        return 1;
    }
    if (!group_changes(*st, text_fw, text_group_add, text_group_delete, devices) ||
        !fw.refresh().ok() || !group_changes(*st, fw, group_add, group_delete, devices))
        return 1;

    std::size_t allow = 0;
    for (const auto& [id, elements] : ruleset.allowed) allow += elements.size();
    std::printf("firewall bench: %d devices (%d routers), %d groups, %d rules\n", devices,
                (devices + 4) / 5, groups, rules);
    std::printf(
        "table: %zu nftables rules in the kernel (%zu rendered); elements: addresses %zu, "
        "allow %zu; script %zu KiB, netlink batch %zu KiB\n",
        kernel_rules(nft, "warden"), firewall::rule_count(ruleset), ruleset.members.size(), allow,
        script.size() / 1024, batch.size() / 1024);
    std::printf("full rebuild: %s (5 runs; target <= 200 ms)\n", full.text().c_str());
    std::printf("  text path (libnftables, before): %s\n", text_full.text().c_str());
    std::printf(
        "  of which: store read %.1f ms, build %.1f ms, netlink batch %.1f ms + kernel apply "
        "%.1f ms (text: render %.1f ms + libnftables apply %.1f ms)\n",
        read_ms, build_ms, batch_ms, netlink_apply_ms, render_ms, text_apply_ms);
    std::printf("one rule change: %s (20 runs, add or delete; target <= 50 ms)\n",
                change.text().c_str());
    std::printf("  text path (before): %s\n", text_change.text().c_str());
    std::printf("group added (delta), with one device: %s (5 runs)\n", group_add.text().c_str());
    std::printf("  text path (before: full load): %s\n", text_group_add.text().c_str());
    std::printf("group deleted (full load): %s (5 runs; text path %s)\n",
                group_delete.text().c_str(), text_group_delete.text().c_str());

    // The sweep after each narrowing change: list every IPv4 flow, judge it, delete the
    // denied ones. Synchronous (before: on the event loop) and on its own thread (now).
    if (flows > 0 && seed_flows(flows, devices)) {
        firewall::ConntrackCutter cutter;
        firewall::Firewall swept("warden", pool, *st, nft, &cutter);
        Stats first, sweep, loop, behind;
        first.begin();
        if (!swept.refresh().ok()) return 1;  // full, and the first cut of the denied flows
        first.end();
        const auto cut_first = swept.health().flows_cut;
        if (!rule_changes(*st, swept, sweep, free_pairs)) return 1;
        std::printf("flow cut: first refresh (full table + cut %zu of %d flows) %s\n", cut_first,
                    flows, first.text().c_str());
        std::printf(
            "one rule change, sweep on the event loop (as before, now after deletes only): %s (20 "
            "runs)\n",
            sweep.text().c_str());
        firewall::BackgroundCutter sweeper(std::make_unique<firewall::ConntrackCutter>(), "warden");
        firewall::Firewall background("warden", pool, *st, nft, &sweeper);
        if (!background.refresh().ok()) return 1;
        sweeper.wait_idle();
        if (!rule_changes(*st, background, loop, free_pairs, &sweeper, &behind)) return 1;
        std::printf("one rule change, sweep on its own thread (wardend): %s (20 runs)\n",
                    loop.text().c_str());
        std::printf("  the sweep behind it, until done: %s (CPU: this thread waiting)\n",
                    behind.text().c_str());
    }
    Stats check, look, chains;
    for (int i = 0; i < 20; ++i) {
        check.begin();
        if (auto r = fw.check(); r && !r->ok()) return 1;  // the generation id, unchanged
        check.end();
        chains.begin();
        if (!nft.chain_list()) return 1;  // before: every check
        chains.end();
        look.begin();
        if (!nft.fingerprint("warden")) return 1;  // when the generation id moved
        look.end();
    }
    std::printf("table check, every 2 s in wardend (nf_tables generation id): %s (20 runs)\n",
                check.text().c_str());
    std::printf("  before, list chains every check: %s\n", chains.text().c_str());
    std::printf("  forward chain comparison, when the generation id moved: %s\n",
                look.text().c_str());
    std::filesystem::remove_all(dir);
    return 0;
}

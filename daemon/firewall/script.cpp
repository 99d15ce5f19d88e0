#include "daemon/firewall/script.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace warden::firewall {
namespace {

constexpr std::size_t kForwardRules = 11;
constexpr std::size_t kRulesPerGroup = 2;

template <typename Range, typename Fn>
void join(std::string& out, const Range& items, Fn&& text) {
    bool first = true;
    for (const auto& item : items) {
        if (!first) out += ", ";
        first = false;
        out += text(item);
    }
}

std::string same(const std::string& s) {
    return s;
}

void set_block(std::string& out, const std::string& name, const std::string& type, bool interval,
               const std::string& elements) {
    out += "\t" + name + " {\n\t\ttype " + type + "\n";
    if (interval) out += "\t\tflags interval\n";
    if (!elements.empty()) out += "\t\telements = { " + elements + " }\n";
    out += "\t}\n";
}

std::string group_chain(std::int64_t id) {
    return "g_" + std::to_string(id);
}

std::string allow_set(std::int64_t id) {
    return "allow_" + std::to_string(id);
}

// VPN IPs go to a hash map, networks to an interval map: hash elements are much cheaper
// for nftables to load, and most members are single addresses.
bool is_network(const std::string& address) {
    return address.find('/') != std::string::npos;
}

using Members = std::vector<std::pair<std::string, std::int64_t>>;

std::string member_element(const std::pair<std::string, std::int64_t>& m) {
    return m.first + " : jump " + group_chain(m.second);
}

void maps(std::string& out, const Ruleset& rs) {
    std::string ips, nets;
    Members by_ip, by_net;
    for (const auto& m : rs.members) (is_network(m.first) ? by_net : by_ip).push_back(m);
    join(ips, by_ip, member_element);
    join(nets, by_net, member_element);
    set_block(out, "map addr_ip", "ipv4_addr : verdict", false, ips);
    set_block(out, "map addr_net", "ipv4_addr : verdict", true, nets);
}

std::string hex(std::uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", value);
    return buf;
}

// "meta mark & MASK": our bits of the packet mark; other tables' bits are never read.
const std::string& our_bits() {
    static const std::string text = "meta mark & " + hex(kMarkMask);
    return text;
}

void groups(std::string& out, const Ruleset& rs) {
    for (const auto& [id, elements] : rs.allowed) {
        std::string text;
        join(text, elements, same);
        set_block(out, "set " + allow_set(id), "mark . inet_proto . inet_service", true, text);
        out += "\tchain " + group_chain(id) + " {\n\t\t" + our_bits() +
               " == 0 meta mark set meta mark | " + hex(rs.mark_of(id)) + " return\n\t\t" +
               our_bits() + " . meta l4proto . th dport @" + allow_set(id) + " accept\n\t}\n";
    }
}

void forward(std::string& out, const std::string& pool) {
    // IPv4 between participants (the pool and both maps) is ours to filter; everything else
    // leaves first, before the packet mark is touched. "ip saddr" alone would not match an
    // IPv6 packet at all, so IPv6 must leave explicitly instead of falling to the drop.
    // Within ours, only our mark bits change: "& ~MASK" clears them and keeps the rest.
    // Established flows are accepted first (the cheapest path); flows an admin change no
    // longer allows are cut from conntrack by the caller (conntrack.hpp), not here.
    out +=
        "\tchain forward {\n"
        "\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\tmeta nfproto != ipv4 return\n"
        "\t\tct state established,related accept\n"
        "\t\tip saddr != " +
        pool +
        " ip saddr != @addr_ip ip saddr != @addr_net return\n"
        "\t\tip daddr != " +
        pool +
        " ip daddr != @addr_ip ip daddr != @addr_net return\n"
        "\t\tmeta mark set meta mark & " +
        hex(~kMarkMask) +
        "\n"
        "\t\tip saddr vmap @addr_ip\n"
        "\t\tip saddr vmap @addr_net\n"
        "\t\t" +
        our_bits() +
        " == 0 counter drop\n"
        "\t\tip daddr vmap @addr_ip\n"
        "\t\tip daddr vmap @addr_net\n"
        "\t\tcounter drop\n"
        "\t}\n";
}

// "verb element inet TABLE SET { a, b }\n", nothing for no elements.
template <typename Range, typename Fn>
void element_command(std::string& out, const char* verb, const std::string& table,
                     const std::string& set, const Range& elements, Fn&& text) {
    if (elements.empty()) return;
    out += std::string(verb) + " element inet " + table + " " + set + " { ";
    join(out, elements, text);
    out += " }\n";
}

template <typename T>
std::vector<T> minus(std::vector<T> a, std::vector<T> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::vector<T> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

std::string key_of(const std::pair<std::string, std::int64_t>& m) {
    return m.first;
}

// Members that left (or changed group) are deleted by key; new ones added with their jump.
void member_delta(std::string& deletes, std::string& adds, const std::string& table,
                  const Members& from, const Members& to) {
    const auto gone = minus(from, to);
    const auto added = minus(to, from);
    for (bool net : {false, true}) {
        Members g, a;
        std::copy_if(gone.begin(), gone.end(), std::back_inserter(g),
                     [net](const auto& m) { return is_network(m.first) == net; });
        std::copy_if(added.begin(), added.end(), std::back_inserter(a),
                     [net](const auto& m) { return is_network(m.first) == net; });
        const std::string map = net ? "addr_net" : "addr_ip";
        element_command(deletes, "delete", table, map, g, key_of);
        element_command(adds, "add", table, map, a, member_element);
    }
}

}  // namespace

std::string render_full(const Ruleset& rs) {
    std::string out;
    out += "add table inet " + rs.table + "\n";
    out += "delete table inet " + rs.table + "\n";
    out += "table inet " + rs.table + " {\n";
    maps(out, rs);
    groups(out, rs);
    forward(out, rs.pool);
    out += "}\n";
    return out;
}

std::optional<std::string> render_delta(const Ruleset& from, const Ruleset& to) {
    if (!from.same_structure(to)) return std::nullopt;
    std::string deletes, adds;
    // Only elements change: the chains their jumps name exist as long as the groups do.
    for (const auto& [id, wanted] : to.allowed) {
        const auto& had = from.allowed.at(id);
        const std::vector<std::string> h(had.begin(), had.end()), w(wanted.begin(), wanted.end());
        element_command(deletes, "delete", to.table, allow_set(id), minus(h, w), same);
        element_command(adds, "add", to.table, allow_set(id), minus(w, h), same);
    }
    if (from.members != to.members) member_delta(deletes, adds, to.table, from.members, to.members);
    // Deletions first: a new element may overlap one it replaces.
    return deletes + adds;
}

std::string render_remove(const std::string& table) {
    return "add table inet " + table + "\ndelete table inet " + table + "\n";
}

std::size_t rule_count(const Ruleset& rs) {
    return kForwardRules + kRulesPerGroup * rs.allowed.size();
}

}  // namespace warden::firewall

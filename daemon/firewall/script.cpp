#include "daemon/firewall/script.hpp"

#include <algorithm>
#include <iterator>

namespace warden::firewall {
namespace {

constexpr std::size_t kForwardRules = 5;

template <typename Range, typename Fn>
void join(std::string& out, const Range& items, Fn&& text) {
    bool first = true;
    for (const auto& item : items) {
        if (!first) out += ", ";
        first = false;
        out += text(item);
    }
}

void set_block(std::string& out, const std::string& name, const std::string& type,
               const std::string& elements) {
    out += "\t" + name + " {\n\t\ttype " + type + "\n\t\tflags interval\n";
    if (!elements.empty()) out += "\t\telements = { " + elements + " }\n";
    out += "\t}\n";
}

std::string group_chain(std::int64_t id) {
    return "in_" + std::to_string(id);
}

std::string allow_set(std::int64_t id) {
    return "allow_" + std::to_string(id);
}

void maps(std::string& out, const Ruleset& rs) {
    std::string participants;
    join(participants, rs.participants, [](const std::string& a) { return a; });
    set_block(out, "set participants", "ipv4_addr", participants);
    std::string member, inbound;
    join(member, rs.members, [](const auto& m) { return m.first + " : " + std::to_string(m.second); });
    join(inbound, rs.members,
         [](const auto& m) { return m.first + " : jump " + group_chain(m.second); });
    set_block(out, "map member", "ipv4_addr : mark", member);
    set_block(out, "map inbound", "ipv4_addr : verdict", inbound);
}

void groups(std::string& out, const Ruleset& rs) {
    for (const auto& [id, elements] : rs.allowed) {
        std::string text;
        join(text, elements, [](const std::string& e) { return e; });
        set_block(out, "set " + allow_set(id), "mark . inet_proto . inet_service", text);
        out += "\tchain " + group_chain(id) + " {\n\t\tmeta mark . meta l4proto . th dport @" +
               allow_set(id) + " accept\n\t}\n";
    }
}

void forward(std::string& out) {
    // The mark carries the source group from the member lookup to the group chain; if the
    // source has no group (a free pool address) the lookup fails, the rule does not match
    // and the packet reaches the drop.
    out +=
        "\tchain forward {\n"
        "\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\tct state established,related accept\n"
        "\t\tip saddr != @participants return\n"
        "\t\tip daddr != @participants return\n"
        "\t\tmeta mark set ip saddr map @member ip daddr vmap @inbound\n"
        "\t\tcounter drop\n"
        "\t}\n";
}

void element_command(std::string& out, const char* verb, const std::string& table,
                     std::int64_t id, const std::vector<std::string>& elements) {
    if (elements.empty()) return;
    out += std::string(verb) + " element inet " + table + " " + allow_set(id) + " { ";
    join(out, elements, [](const std::string& e) { return e; });
    out += " }\n";
}

}  // namespace

std::string render_full(const Ruleset& rs) {
    std::string out;
    out += "add table inet " + rs.table + "\n";
    out += "delete table inet " + rs.table + "\n";
    out += "table inet " + rs.table + " {\n";
    maps(out, rs);
    groups(out, rs);
    forward(out);
    out += "}\n";
    return out;
}

std::optional<std::string> render_delta(const Ruleset& from, const Ruleset& to) {
    if (!from.same_structure(to)) return std::nullopt;
    std::string deletes, adds;
    for (const auto& [id, wanted] : to.allowed) {
        const auto& had = from.allowed.at(id);
        std::vector<std::string> gone, added;
        std::set_difference(had.begin(), had.end(), wanted.begin(), wanted.end(),
                            std::back_inserter(gone));
        std::set_difference(wanted.begin(), wanted.end(), had.begin(), had.end(),
                            std::back_inserter(added));
        element_command(deletes, "delete", to.table, id, gone);
        element_command(adds, "add", to.table, id, added);
    }
    // Deletions first: a new element may overlap one it replaces.
    return deletes + adds;
}

std::string render_remove(const std::string& table) {
    return "add table inet " + table + "\ndelete table inet " + table + "\n";
}

std::size_t rule_count(const Ruleset& rs) {
    return kForwardRules + rs.allowed.size();
}

}  // namespace warden::firewall

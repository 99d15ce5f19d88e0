#include "daemon/firewall/netlink.hpp"

#include <arpa/inet.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <memory>

namespace warden::firewall {
namespace {

// A message never exceeds this: elements go kElementsPerMessage to a message (~80 bytes
// each), a rule is under 1 KiB.
constexpr std::size_t kMaxMessage = 32 * 1024;
constexpr std::size_t kElementsPerMessage = 128;

// nft's data types (datatype.h), as the kernel stores them for `nft list`.
constexpr std::uint32_t kTypeIpv4 = 7;
constexpr std::uint32_t kTypeMark = 19, kTypeProto = 12, kTypeService = 13;
constexpr std::uint32_t kConcatKeyType = (((kTypeMark << 6) | kTypeProto) << 6) | kTypeService;
constexpr std::uint32_t kAllowKeyLen = 12;  // mark, proto and port, each in a 32-bit register

// nft 1.0.6's set user data (byte order hints `nft list` reads), copied verbatim.
constexpr unsigned char kMapUserData[] = {0, 4, 2, 0, 0, 0, 1, 4, 0, 0, 0, 0, 6, 4, 0, 0, 0, 0};
constexpr unsigned char kAllowUserData[] = {0, 4, 0, 0, 0, 0, 3, 8, 0, 4, 13, 0, 0, 0, 1, 0};
constexpr std::uint8_t kAllowFields[] = {4, 1, 2};

constexpr std::uint32_t kAddrIpId = 1, kAddrNetId = 2, kFirstAllowId = 3;

template <typename T, void (*Free)(const T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using TablePtr = std::unique_ptr<nftnl_table, Deleter<nftnl_table, nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain, nftnl_chain_free>>;
using SetPtr = std::unique_ptr<nftnl_set, Deleter<nftnl_set, nftnl_set_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule, nftnl_rule_free>>;

// Appends netlink messages to one growing buffer; each message is built in place.
class Writer {
  public:
    explicit Writer(std::uint32_t seq) : seq_(seq) {
        room();
        used_ += aligned(nftnl_batch_begin(at(), seq_++));
    }
    nlmsghdr* begin(std::uint16_t type, std::uint16_t flags) {
        room();
        return nftnl_nlmsg_build_hdr(at(), type, NFPROTO_INET, flags, seq_++);
    }
    void end(nlmsghdr* nlh) { used_ += aligned(nlh); }
    NetlinkBatch finish() {
        room();
        used_ += aligned(nftnl_batch_end(at(), seq_++));
        buf_.resize(used_);
        return std::move(buf_);
    }

  private:
    static std::size_t aligned(const nlmsghdr* nlh) { return NLMSG_ALIGN(nlh->nlmsg_len); }
    char* at() { return buf_.data() + used_; }
    void room() {
        if (buf_.size() < used_ + kMaxMessage)
            buf_.resize(std::max(buf_.size() * 2, used_ + kMaxMessage));
        std::fill(buf_.begin() + static_cast<std::ptrdiff_t>(used_),
                  buf_.begin() + static_cast<std::ptrdiff_t>(used_ + kMaxMessage), 0);
    }
    NetlinkBatch buf_;
    std::size_t used_ = 0;
    std::uint32_t seq_;
};

std::string group_chain(std::int64_t id) {
    return "g_" + std::to_string(id);
}
std::string allow_set(std::int64_t id) {
    return "allow_" + std::to_string(id);
}

// ---- rules: the expressions nft 1.0.6 generates for script.cpp's text ----------------

class RuleBuilder {
  public:
    RuleBuilder(const std::string& table, const std::string& chain) : rule_(nftnl_rule_alloc()) {
        nftnl_rule_set_str(rule_.get(), NFTNL_RULE_TABLE, table.c_str());
        nftnl_rule_set_str(rule_.get(), NFTNL_RULE_CHAIN, chain.c_str());
        nftnl_rule_set_u32(rule_.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    }
    RuleBuilder& meta_load(std::uint32_t key, std::uint32_t dreg) {
        auto* e = add("meta");
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
        return *this;
    }
    RuleBuilder& meta_set(std::uint32_t key, std::uint32_t sreg) {
        auto* e = add("meta");
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
        return *this;
    }
    RuleBuilder& ct_load(std::uint32_t key, std::uint32_t dreg) {
        auto* e = add("ct");
        nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
        return *this;
    }
    RuleBuilder& cmp(std::uint32_t op, const void* data, std::uint32_t len) {
        auto* e = add("cmp");
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        return *this;
    }
    RuleBuilder& cmp_u32(std::uint32_t op, std::uint32_t value) { return cmp(op, &value, 4); }
    // reg 1 = (reg 1 & mask) ^ xor, over `len` bytes (values in register byte order).
    RuleBuilder& bitwise(const void* mask, const void* xor_value, std::uint32_t len) {
        auto* e = add("bitwise");
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor_value, len);
        return *this;
    }
    RuleBuilder& bitwise_u32(std::uint32_t mask, std::uint32_t xor_value) {
        return bitwise(&mask, &xor_value, 4);
    }
    RuleBuilder& hton(std::uint32_t reg, std::uint32_t len, std::uint32_t size) {
        auto* e = add("byteorder");
        nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, size);
        return *this;
    }
    RuleBuilder& payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len,
                         std::uint32_t dreg = NFT_REG_1) {
        auto* e = add("payload");
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
        return *this;
    }
    // A lookup in a set of this batch; `vmap` jumps by the map's verdict.
    RuleBuilder& lookup(const std::string& set, std::uint32_t set_id, bool inverted,
                        bool vmap = false) {
        auto* e = add("lookup");
        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
        nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
        if (vmap) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
        if (inverted) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        return *this;
    }
    RuleBuilder& counter() {
        add("counter");
        return *this;
    }
    RuleBuilder& verdict(int code) {
        auto* e = add("immediate");
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(code));
        return *this;
    }
    // "meta nfproto ipv4": the dependency nft adds to every ip header match in an inet table.
    RuleBuilder& ipv4_only(std::uint32_t op = NFT_CMP_EQ) {
        const std::uint8_t ipv4 = NFPROTO_IPV4;
        meta_load(NFT_META_NFPROTO, NFT_REG_1);
        return cmp(op, &ipv4, 1);
    }
    void write(Writer& w) {
        auto* nlh = w.begin(NFT_MSG_NEWRULE, NLM_F_APPEND | NLM_F_CREATE);
        nftnl_rule_nlmsg_build_payload(nlh, rule_.get());
        w.end(nlh);
    }

  private:
    nftnl_expr* add(const char* name) {
        nftnl_expr* e = nftnl_expr_alloc(name);
        nftnl_rule_add_expr(rule_.get(), e);  // the rule owns it
        return e;
    }
    RulePtr rule_;
};

// ct state bits (NF_CT_STATE_BIT of IP_CT_ESTABLISHED, IP_CT_RELATED).
constexpr std::uint32_t kCtEstablished = 2, kCtRelated = 4;
constexpr std::uint32_t kSaddr = 12, kDaddr = 16;  // offsets in the IPv4 header

// "ip saddr != POOL ip saddr != @addr_ip ip saddr != @addr_net return" (or daddr).
void not_ours_rule(Writer& w, const Ruleset& rs, std::uint32_t offset) {
    RuleBuilder r(rs.table, "forward");
    r.ipv4_only();
    const auto pool = net::parse_network(rs.pool).value_or(net::Network{});
    // A byte-aligned prefix compares its bytes; any other the masked address.
    const bool aligned = pool.prefix % 8 == 0;
    const std::uint32_t bytes = aligned ? static_cast<std::uint32_t>(pool.prefix) / 8 : 4;
    const std::uint32_t address = htonl(pool.address);
    r.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, bytes);
    if (!aligned) {
        const std::uint32_t mask = htonl(~0u << (32 - pool.prefix)), zero = 0;
        r.bitwise(&mask, &zero, bytes);
    }
    r.cmp(NFT_CMP_NEQ, &address, bytes);
    r.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4).lookup("addr_ip", kAddrIpId, true);
    r.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4).lookup("addr_net", kAddrNetId, true);
    r.verdict(NFT_RETURN).write(w);
}

void vmap_rule(Writer& w, const Ruleset& rs, std::uint32_t offset, const char* map,
               std::uint32_t id) {
    RuleBuilder(rs.table, "forward")
        .ipv4_only()
        .payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4)
        .lookup(map, id, false, true)
        .write(w);
}

void forward_rules(Writer& w, const Ruleset& rs) {
    const std::string& t = rs.table;
    RuleBuilder(t, "forward").ipv4_only(NFT_CMP_NEQ).verdict(NFT_RETURN).write(w);
    RuleBuilder(t, "forward")
        .ct_load(NFT_CT_STATE, NFT_REG_1)
        .bitwise_u32(kCtEstablished | kCtRelated, 0)
        .cmp_u32(NFT_CMP_NEQ, 0)
        .verdict(NF_ACCEPT)
        .write(w);
    not_ours_rule(w, rs, kSaddr);
    not_ours_rule(w, rs, kDaddr);
    RuleBuilder(t, "forward")
        .meta_load(NFT_META_MARK, NFT_REG_1)
        .bitwise_u32(~kMarkMask, 0)
        .meta_set(NFT_META_MARK, NFT_REG_1)
        .write(w);
    vmap_rule(w, rs, kSaddr, "addr_ip", kAddrIpId);
    vmap_rule(w, rs, kSaddr, "addr_net", kAddrNetId);
    RuleBuilder(t, "forward")
        .meta_load(NFT_META_MARK, NFT_REG_1)
        .bitwise_u32(kMarkMask, 0)
        .cmp_u32(NFT_CMP_EQ, 0)
        .counter()
        .verdict(NF_DROP)
        .write(w);
    vmap_rule(w, rs, kDaddr, "addr_ip", kAddrIpId);
    vmap_rule(w, rs, kDaddr, "addr_net", kAddrNetId);
    RuleBuilder(t, "forward").counter().verdict(NF_DROP).write(w);
}

void group_rules(Writer& w, const Ruleset& rs, std::int64_t id, std::uint32_t set_id) {
    const std::string chain = group_chain(id);
    const std::uint32_t mark = rs.mark_of(id);
    RuleBuilder(rs.table, chain)  // the first visit (the source) sets the group's mark
        .meta_load(NFT_META_MARK, NFT_REG_1)
        .bitwise_u32(kMarkMask, 0)
        .cmp_u32(NFT_CMP_EQ, 0)
        .meta_load(NFT_META_MARK, NFT_REG_1)
        .bitwise_u32(~mark, mark)
        .meta_set(NFT_META_MARK, NFT_REG_1)
        .verdict(NFT_RETURN)
        .write(w);
    RuleBuilder(rs.table, chain)  // the second (the destination): source mark . proto . port
        .meta_load(NFT_META_MARK, NFT_REG_1)
        .bitwise_u32(kMarkMask, 0)
        .hton(NFT_REG_1, 4, 4)
        .meta_load(NFT_META_L4PROTO, NFT_REG32_01)
        .hton(NFT_REG32_01, 1, 2)
        .payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02)
        .lookup(allow_set(id), set_id, false)
        .verdict(NF_ACCEPT)
        .write(w);
}

// ---- sets and elements ----------------------------------------------------------------

SetPtr set_ref(const std::string& table, const std::string& name, std::optional<std::uint32_t> id) {
    SetPtr s(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    if (id) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, *id);
    return s;
}

void new_set(Writer& w, const std::string& table, const std::string& name, std::uint32_t id,
             bool allow, bool interval) {
    auto s = set_ref(table, name, id);
    if (allow) {
        nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_INTERVAL | NFT_SET_CONCAT);
        nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, kConcatKeyType);
        nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, kAllowKeyLen);
        nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, kAllowFields, sizeof kAllowFields);
        nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, kAllowUserData, sizeof kAllowUserData);
    } else {
        nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS,
                          NFT_SET_MAP | (interval ? NFT_SET_INTERVAL : 0));
        nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, kTypeIpv4);
        nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, 4);
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, 0);
        nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, kMapUserData, sizeof kMapUserData);
    }
    auto* nlh = w.begin(NFT_MSG_NEWSET, NLM_F_CREATE);
    nftnl_set_nlmsg_build_payload(nlh, s.get());
    w.end(nlh);
}

void new_chain(Writer& w, const std::string& table, const std::string& name, bool hook) {
    ChainPtr c(nftnl_chain_alloc());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
    if (hook) {
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
        nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    }
    auto* nlh = w.begin(NFT_MSG_NEWCHAIN, NLM_F_CREATE);
    nftnl_chain_nlmsg_build_payload(nlh, c.get());
    w.end(nlh);
}

// One element: a key (an address, or a range with key_end), maybe a jump, maybe flags.
struct Element {
    std::uint32_t key[3] = {};
    std::uint32_t key_end[3] = {};
    std::uint32_t key_len = 4;
    bool range = false;
    std::optional<std::int64_t> jump;  // group chain
    std::uint32_t flags = 0;
};

// Elements of one set, kElementsPerMessage to a NEWSETELEM / DELSETELEM message.
void elements(Writer& w, std::uint16_t type, const std::string& table, const std::string& set,
              std::optional<std::uint32_t> set_id, const std::vector<Element>& all) {
    for (std::size_t start = 0; start < all.size(); start += kElementsPerMessage) {
        auto s = set_ref(table, set, set_id);
        const auto stop = std::min(all.size(), start + kElementsPerMessage);
        for (std::size_t i = start; i < stop; ++i) {
            const auto& el = all[i];
            nftnl_set_elem* e = nftnl_set_elem_alloc();
            nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, el.key, el.key_len);
            if (el.range) nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, el.key_end, el.key_len);
            if (el.flags) nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, el.flags);
            if (el.jump && type == NFT_MSG_NEWSETELEM) {
                nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT,
                                       static_cast<std::uint32_t>(NFT_JUMP));
                nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, group_chain(*el.jump).c_str());
            }
            nftnl_set_elem_add(s.get(), e);  // the set owns it
        }
        auto* nlh = w.begin(type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);
        nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
        w.end(nlh);
    }
}

bool is_network(const std::string& address) {
    return address.find('/') != std::string::npos;
}

Element address_element(std::uint32_t host_order, std::optional<std::int64_t> jump,
                        std::uint32_t flags = 0) {
    Element e;
    e.key[0] = htonl(host_order);
    e.jump = jump;
    e.flags = flags;
    return e;
}

using Members = std::vector<std::pair<std::string, std::int64_t>>;

std::vector<Element> ip_elements(const Members& members, bool with_jump) {
    std::vector<Element> out;
    for (const auto& [address, group] : members) {
        if (is_network(address)) continue;
        if (auto ip = net::parse_ipv4(address))
            out.push_back(address_element(*ip, with_jump ? std::optional(group) : std::nullopt));
    }
    return out;
}

// The interval map as nft encodes it: each network's first address jumps, the address
// after its last ends it (flag INTERVAL_END), and an end at 0.0.0.0 when the first
// network starts later.
std::vector<Element> net_elements(const Members& members) {
    std::vector<std::pair<net::Network, std::int64_t>> nets;
    for (const auto& [address, group] : members) {
        if (!is_network(address)) continue;
        if (auto n = net::parse_network(address)) nets.emplace_back(*n, group);
    }
    std::sort(nets.begin(), nets.end(),
              [](const auto& a, const auto& b) { return a.first.address < b.first.address; });
    std::vector<Element> out;
    if (!nets.empty() && nets.front().first.address != 0)
        out.push_back(address_element(0, std::nullopt, NFT_SET_ELEM_INTERVAL_END));
    for (const auto& [n, group] : nets) {
        const std::uint64_t size = std::uint64_t{1} << (32 - n.prefix);
        const std::uint64_t after = std::uint64_t{n.address} + size;
        out.push_back(address_element(n.address, group));
        if (after <= 0xffffffffu)  // also where the next one starts: the kernel keeps both
            out.push_back(address_element(static_cast<std::uint32_t>(after), std::nullopt,
                                          NFT_SET_ELEM_INTERVAL_END));
    }
    return out;
}

Members networks(const Members& members) {
    Members out;
    std::copy_if(members.begin(), members.end(), std::back_inserter(out),
                 [](const auto& m) { return is_network(m.first); });
    return out;
}

std::vector<Element> allow_elements(const std::vector<std::string>& texts) {
    std::vector<Element> out;
    for (const auto& text : texts) {
        auto a = parse_allow_element(text);
        if (!a) continue;  // never: the renderer wrote it
        Element e;
        e.key_len = kAllowKeyLen;
        e.range = true;
        e.key[0] = e.key_end[0] = htonl(a->mark);
        e.key[1] = a->proto_first;  // one byte, first in its register
        e.key_end[1] = a->proto_last;
        e.key[2] = htons(a->port_first);
        e.key_end[2] = htons(a->port_last);
        out.push_back(e);
    }
    return out;
}

std::vector<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::vector<std::string> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

Members minus(Members a, Members b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    Members out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

template <typename Int>
bool parse_number(std::string_view text, Int& out, int base = 10) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out, base);
    return ec == std::errc() && ptr == end;
}

template <typename Int>
bool parse_range(std::string_view text, Int& first, Int& last) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) return parse_number(text, first) && (last = first, true);
    return parse_number(text.substr(0, dash), first) && parse_number(text.substr(dash + 1), last) &&
           first <= last;
}

}  // namespace

std::optional<AllowElement> parse_allow_element(std::string_view text) {
    constexpr std::string_view sep = " . ";
    const auto a = text.find(sep);
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = text.find(sep, a + sep.size());
    if (b == std::string_view::npos) return std::nullopt;
    const auto mark = text.substr(0, a);
    const auto proto = text.substr(a + sep.size(), b - a - sep.size());
    const auto ports = text.substr(b + sep.size());
    AllowElement out;
    if (mark.size() < 3 || mark.substr(0, 2) != "0x" || !parse_number(mark.substr(2), out.mark, 16))
        return std::nullopt;
    static const std::map<std::string_view, std::uint8_t> names{
        {"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {"icmp", IPPROTO_ICMP}};
    if (auto it = names.find(proto); it != names.end())
        out.proto_first = out.proto_last = it->second;
    else if (!parse_range(proto, out.proto_first, out.proto_last))
        return std::nullopt;
    if (!parse_range(ports, out.port_first, out.port_last)) return std::nullopt;
    return out;
}

NetlinkBatch netlink_full(const Ruleset& rs, std::uint32_t seq) {
    Writer w(seq);
    TablePtr table(nftnl_table_alloc());
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, rs.table.c_str());
    nftnl_table_set_u32(table.get(), NFTNL_TABLE_FLAGS, 0);
    for (auto [type, flags] :
         {std::pair<std::uint16_t, std::uint16_t>{NFT_MSG_NEWTABLE, NLM_F_CREATE},
          {NFT_MSG_DELTABLE, 0},
          {NFT_MSG_NEWTABLE, NLM_F_CREATE}}) {
        auto* nlh = w.begin(type, flags);
        nftnl_table_nlmsg_build_payload(nlh, table.get());
        w.end(nlh);
    }
    // Chains first: the maps' elements jump to them.
    for (const auto& [id, elems] : rs.allowed) new_chain(w, rs.table, group_chain(id), false);
    new_chain(w, rs.table, "forward", true);

    new_set(w, rs.table, "addr_ip", kAddrIpId, false, false);
    elements(w, NFT_MSG_NEWSETELEM, rs.table, "addr_ip", kAddrIpId, ip_elements(rs.members, true));
    new_set(w, rs.table, "addr_net", kAddrNetId, false, true);
    elements(w, NFT_MSG_NEWSETELEM, rs.table, "addr_net", kAddrNetId, net_elements(rs.members));
    std::uint32_t set_id = kFirstAllowId;
    for (const auto& [id, elems] : rs.allowed) {
        new_set(w, rs.table, allow_set(id), set_id, true, true);
        elements(w, NFT_MSG_NEWSETELEM, rs.table, allow_set(id), set_id,
                 allow_elements({elems.begin(), elems.end()}));
        group_rules(w, rs, id, set_id);
        ++set_id;
    }
    forward_rules(w, rs);
    return w.finish();
}

namespace {

std::optional<std::vector<std::int64_t>> added_groups(const Ruleset& from, const Ruleset& to) {
    if (from.table != to.table || from.pool != to.pool) return std::nullopt;
    const auto had = from.group_ids(), has = to.group_ids();
    // Marks are ranks: only groups after every existing one leave the others' marks alone
    // (ids only grow, so a new group is always last).
    if (has.size() < had.size() || !std::equal(had.begin(), had.end(), has.begin()))
        return std::nullopt;
    return std::vector<std::int64_t>(has.begin() + static_cast<std::ptrdiff_t>(had.size()),
                                     has.end());
}

}  // namespace

std::optional<NetlinkBatch> netlink_delta(const Ruleset& from, const Ruleset& to,
                                          std::uint32_t seq) {
    const auto added = added_groups(from, to);
    if (!added) return std::nullopt;
    if (networks(from.members) != networks(to.members)) return std::nullopt;
    Writer w(seq);
    bool any = false;
    // New groups first (chain, set, elements, rules): the elements below may jump there.
    std::uint32_t set_id = kFirstAllowId;
    for (const auto id : *added) {
        const auto& elems = to.allowed.at(id);
        new_chain(w, to.table, group_chain(id), false);
        new_set(w, to.table, allow_set(id), set_id, true, true);
        elements(w, NFT_MSG_NEWSETELEM, to.table, allow_set(id), set_id,
                 allow_elements({elems.begin(), elems.end()}));
        group_rules(w, to, id, set_id++);
        any = true;
    }
    // Deletions first: a new element may overlap one it replaces.
    for (std::uint16_t type : {NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM}) {
        const bool del = type == NFT_MSG_DELSETELEM;
        for (const auto& [id, had] : from.allowed) {
            const auto& wanted = to.allowed.at(id);
            const auto change = allow_elements(del ? minus(had, wanted) : minus(wanted, had));
            if (change.empty()) continue;
            elements(w, type, to.table, allow_set(id), std::nullopt, change);
            any = true;
        }
        if (from.members != to.members) {
            const auto change = ip_elements(
                del ? minus(from.members, to.members) : minus(to.members, from.members), !del);
            if (!change.empty()) {
                elements(w, type, to.table, "addr_ip", std::nullopt, change);
                any = true;
            }
        }
    }
    if (!any) return NetlinkBatch{};
    return w.finish();
}

}  // namespace warden::firewall

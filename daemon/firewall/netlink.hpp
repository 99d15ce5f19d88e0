// The Ruleset (ruleset.hpp) as one nf_tables netlink batch, built with libnftnl: the same
// table script.hpp renders as text, without libnftables' parser and evaluator (~7 µs per
// element, most of a full load at 10 000 devices). Pure: builds bytes, sends nothing
// (NftApplier sends them). The bytecode is what nft 1.0.6 generates for render_full's
// text, so `nft list` shows the same table either way (a unit test compares the two).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/firewall/ruleset.hpp"

namespace warden::firewall {

// One batch: BEGIN, the commands, END; the kernel applies it as one transaction.
using NetlinkBatch = std::vector<char>;

// Replaces the whole table (add table, delete table, the table with every set, map,
// chain and rule), as render_full.
NetlinkBatch netlink_full(const Ruleset& rules, std::uint32_t seq);

// The element changes of render_delta (deletions first), and the chains, sets and rules
// of groups added after every existing one (their marks leave the others' alone), so a
// new group is no full load. An empty optional when groups went or came in between (the
// marks shift: render_full), or a network member changed (interval map elements:
// render_delta's text path, where libnftables merges the interval ends); an empty batch
// when nothing changed.
std::optional<NetlinkBatch> netlink_delta(const Ruleset& from, const Ruleset& to,
                                          std::uint32_t seq);

// One @allow_<G> element as the renderer writes it ("0x00010000 . tcp . 80-443",
// "0x00020000 . 0-255 . 0-65535"): the key range the kernel stores.
struct AllowElement {
    std::uint32_t mark = 0;
    std::uint8_t proto_first = 0, proto_last = 0;
    std::uint16_t port_first = 0, port_last = 0;
};
std::optional<AllowElement> parse_allow_element(std::string_view text);

}  // namespace warden::firewall

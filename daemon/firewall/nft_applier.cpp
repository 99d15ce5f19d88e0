#include "daemon/firewall/applier.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "daemon/firewall/netlink.hpp"

namespace warden::firewall {

void NftApplier::CtxFree::operator()(nft_ctx* ctx) const {
    nft_ctx_free(ctx);
}

void NftApplier::SocketClose::operator()(mnl_socket* nl) const {
    mnl_socket_close(nl);
}

namespace {

mnl_socket* open_netlink() {
    mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0) {
        const std::string why = std::strerror(errno);
        if (nl) mnl_socket_close(nl);
        throw std::runtime_error("nf_tables: cannot open netlink: " + why);
    }
    // A reply that never comes (it always does) must not hang the daemon.
    timeval timeout{1, 0};
    ::setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return nl;
}

// As nft reports a refused command, so logs and `status` read the same either way.
std::string refusal(int error) {
    return std::string("Error: Could not process rule: ") + std::strerror(error);
}

int on_generation(const nlmsghdr* nlh, void* data) {
    auto* gen = nftnl_gen_alloc();
    if (gen && nftnl_gen_nlmsg_parse(nlh, gen) == 0)
        *static_cast<std::optional<std::uint32_t>*>(data) = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
    nftnl_gen_free(gen);
    return MNL_CB_OK;
}

template <typename T, void (*Free)(const T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain, nftnl_chain_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule, nftnl_rule_free>>;

// Zeroes a counter: the fingerprint is the rules, not the traffic.
int zero_counter(nftnl_expr* e, void*) {
    if (std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter") == 0) {
        nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, 0);
        nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, 0);
    }
    return 0;
}

// "chain forward { type filter hook 2 priority 0 policy 1": what a stranger may redefine.
int on_chain(const nlmsghdr* nlh, void* data) {
    ChainPtr chain(nftnl_chain_alloc());
    if (!chain || nftnl_chain_nlmsg_parse(nlh, chain.get()) != 0) return MNL_CB_ERROR;
    auto u32 = [&](std::uint16_t attr) {
        return nftnl_chain_is_set(chain.get(), attr)
                   ? std::to_string(nftnl_chain_get_u32(chain.get(), attr))
                   : std::string("-");
    };
    const char* type = nftnl_chain_is_set(chain.get(), NFTNL_CHAIN_TYPE)
                           ? nftnl_chain_get_str(chain.get(), NFTNL_CHAIN_TYPE)
                           : "-";
    *static_cast<std::string*>(data) +=
        std::string("chain forward { type ") + type + " hook " + u32(NFTNL_CHAIN_HOOKNUM) +
        " priority " + u32(NFTNL_CHAIN_PRIO) + " policy " + u32(NFTNL_CHAIN_POLICY) + "\n";
    return MNL_CB_OK;
}

int on_rule(const nlmsghdr* nlh, void* data) {
    RulePtr rule(nftnl_rule_alloc());
    if (!rule || nftnl_rule_nlmsg_parse(nlh, rule.get()) != 0) return MNL_CB_ERROR;
    nftnl_expr_foreach(rule.get(), zero_counter, nullptr);
    char text[8192];
    nftnl_rule_snprintf(text, sizeof text, rule.get(), NFTNL_OUTPUT_DEFAULT, 0);
    *static_cast<std::string*>(data) += std::string(text) + "\n";
    return MNL_CB_OK;
}

}  // namespace

// One request and its replies (a dump until its end); false on an error reply.
bool NftApplier::request(std::uint16_t type, std::uint16_t flags,
                         const std::function<void(nlmsghdr*)>& payload, mnl_cb_t on_reply,
                         void* data) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    const std::uint32_t seq = seq_++;
    auto* nlh = nftnl_nlmsg_build_hdr(buf.data(), type, NFPROTO_INET, flags | NLM_F_ACK, seq);
    payload(nlh);
    if (mnl_socket_sendto(nl_.get(), nlh, nlh->nlmsg_len) < 0) return false;
    const auto portid = mnl_socket_get_portid(nl_.get());
    for (;;) {
        const auto n = mnl_socket_recvfrom(nl_.get(), buf.data(), buf.size());
        if (n <= 0) return false;
        const int r =
            mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid, on_reply, data);
        if (r < 0) return false;
        if (r == MNL_CB_STOP) return true;  // the ACK, or a dump's end
    }
}

NftApplier::NftApplier() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)), nl_(open_netlink()) {
    if (!ctx_) throw std::runtime_error("libnftables: cannot create a context");
    // Output and errors go to memory buffers instead of the daemon's stdout/stderr.
    if (nft_ctx_buffer_output(ctx_.get()) != 0 || nft_ctx_buffer_error(ctx_.get()) != 0)
        throw std::runtime_error("libnftables: cannot buffer output");
}

NftResult NftApplier::run(const std::string& commands) {
    NftResult r;
    r.ok = nft_run_cmd_from_buffer(ctx_.get(), commands.c_str()) == 0;
    // Reading a buffer also empties it for the next command.
    if (const char* out = nft_ctx_get_output_buffer(ctx_.get())) r.output = out;
    if (const char* err = nft_ctx_get_error_buffer(ctx_.get())) r.error = err;
    while (!r.error.empty() && (r.error.back() == '\n' || r.error.back() == ' '))
        r.error.pop_back();
    if (!r.ok && r.error.empty()) r.error = "nftables refused the script";
    return r;
}

std::string NftApplier::apply(const std::string& script) {
    auto r = run(script);
    return r.ok ? std::string() : r.error;
}

// The forward chain's rules as the kernel holds them, read with libnftnl (one chain, no
// set elements): libnftables would read every set to list it (~65 ms at 10 000 devices).
std::optional<std::string> NftApplier::fingerprint(const std::string& table) {
    // The chain itself first: a rule dump of a missing table is just empty.
    ChainPtr chain(nftnl_chain_alloc());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, table.c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, "forward");
    std::string rules;
    if (!request(
            NFT_MSG_GETCHAIN, 0,
            [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, chain.get()); }, on_chain,
            &rules))
        return std::nullopt;
    RulePtr filter(nftnl_rule_alloc());
    nftnl_rule_set_str(filter.get(), NFTNL_RULE_TABLE, table.c_str());
    nftnl_rule_set_str(filter.get(), NFTNL_RULE_CHAIN, "forward");
    if (!request(
            NFT_MSG_GETRULE, NLM_F_DUMP,
            [&](nlmsghdr* nlh) { nftnl_rule_nlmsg_build_payload(nlh, filter.get()); }, on_rule,
            &rules))
        return std::nullopt;
    return rules + "}\n";
}

std::optional<std::string> NftApplier::chain_list() {
    auto r = run("list chains");
    if (!r.ok) return std::nullopt;
    return r.output;
}

// The kernel runs a batch inside sendmsg() (nfnetlink handles it in the sender's
// context), so when it returns, a refusal is already queued on the socket: nothing
// queued means committed. Commands carry no ACK flag, so success costs no replies.
std::string NftApplier::send(const std::vector<char>& batch) {
    const int fd = mnl_socket_get_fd(nl_.get());
    const int size = static_cast<int>(batch.size()) + 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);  // root: above wmem_max
    if (mnl_socket_sendto(nl_.get(), batch.data(), batch.size()) < 0) return refusal(errno);
    std::vector<char> reply(MNL_SOCKET_BUFFER_SIZE);
    std::string error;
    for (;;) {
        const auto n = ::recv(fd, reply.data(), reply.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (error.empty()) error = refusal(errno);  // ENOBUFS: replies lost
            break;
        }
        if (mnl_cb_run(reply.data(), static_cast<std::size_t>(n), 0, 0, nullptr, nullptr) < 0 &&
            error.empty())
            error = refusal(errno);
    }
    return error;
}

std::string NftApplier::apply_full(const Ruleset& rules) {
    const auto batch = netlink_full(rules, seq_);
    seq_ += 1 << 20;  // room for every message of one batch
    return send(batch);
}

std::optional<std::string> NftApplier::apply_delta(const Ruleset& from, const Ruleset& to) {
    auto batch = netlink_delta(from, to, seq_);
    seq_ += 1 << 20;
    if (!batch) return Applier::apply_delta(from, to);  // a network member: libnftables' text
    if (batch->empty()) return std::string();
    return send(*batch);
}

std::optional<std::uint32_t> NftApplier::generation() {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    const std::uint32_t seq = seq_++;
    auto* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, seq);
    if (mnl_socket_sendto(nl_.get(), nlh, nlh->nlmsg_len) < 0) return std::nullopt;
    std::optional<std::uint32_t> id;
    const auto n = mnl_socket_recvfrom(nl_.get(), buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    if (mnl_cb_run(buf, static_cast<std::size_t>(n), seq, mnl_socket_get_portid(nl_.get()),
                   on_generation, &id) < 0)
        return std::nullopt;
    return id;
}

NftResult NftApplier::check(const std::string& script) {
    nft_ctx_set_dry_run(ctx_.get(), true);
    auto r = run(script);
    nft_ctx_set_dry_run(ctx_.get(), false);
    return r;
}

}  // namespace warden::firewall

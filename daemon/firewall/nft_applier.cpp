#include "daemon/firewall/applier.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
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

}  // namespace

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

std::optional<std::string> NftApplier::fingerprint(const std::string& table) {
    const unsigned flags = nft_ctx_output_get_flags(ctx_.get());
    nft_ctx_output_set_flags(ctx_.get(), flags | NFT_CTX_OUTPUT_STATELESS);
    auto r = run("list chain inet " + table + " forward");
    nft_ctx_output_set_flags(ctx_.get(), flags);
    if (!r.ok) return std::nullopt;
    return r.output;
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

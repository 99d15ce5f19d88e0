#include "daemon/firewall/applier.hpp"

#include <nftables/libnftables.h>

#include <stdexcept>

namespace warden::firewall {

void NftApplier::CtxFree::operator()(nft_ctx* ctx) const {
    nft_ctx_free(ctx);
}

NftApplier::NftApplier() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
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

NftResult NftApplier::check(const std::string& script) {
    nft_ctx_set_dry_run(ctx_.get(), true);
    auto r = run(script);
    nft_ctx_set_dry_run(ctx_.get(), false);
    return r;
}

}  // namespace warden::firewall

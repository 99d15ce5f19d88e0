// The edge to the kernel: runs nftables script text. Applier is the seam tests fake;
// NftApplier is libnftables (no `nft` child process).
#pragma once

#include <memory>
#include <optional>
#include <string>

struct nft_ctx;

namespace warden::firewall {

class Applier {
  public:
    virtual ~Applier() = default;
    // Runs `script` as one buffer, i.e. one kernel transaction. Returns "" or the error.
    virtual std::string apply(const std::string& script) = 0;
    // What a stranger's `nft flush ruleset` / `flush table` / edit changes: the table's
    // forward chain as the kernel lists it, without counters. nullopt when the table or
    // the chain is missing. Costly with many elements (libnftables reads every set to
    // list one chain: ~65 ms CPU at 10 000 devices), so it is the second look.
    virtual std::optional<std::string> fingerprint(const std::string& table) = 0;
    // The first look, cheap (no rules, no elements): every table's chain declarations
    // ("list chains"). Equal to the last time means no table or chain came or went.
    virtual std::optional<std::string> chain_list() = 0;
};

struct NftResult {
    bool ok = false;
    std::string output;  // what a list command printed
    std::string error;
};

class NftApplier final : public Applier {
  public:
    NftApplier();  // throws std::runtime_error when libnftables cannot make a context
    std::string apply(const std::string& script) override;
    std::optional<std::string> fingerprint(const std::string& table) override;
    std::optional<std::string> chain_list() override;
    // Any nft commands, e.g. "list table inet warden"; output and errors captured.
    NftResult run(const std::string& commands);
    // Checks `script` in the kernel without committing it (nft -c).
    NftResult check(const std::string& script);

  private:
    struct CtxFree {
        void operator()(nft_ctx* ctx) const;
    };
    std::unique_ptr<nft_ctx, CtxFree> ctx_;
};

}  // namespace warden::firewall

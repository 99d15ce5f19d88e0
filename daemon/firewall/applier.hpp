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
    // What a stranger's `nft flush ruleset` / `flush table` / edit changes, cheaply: the
    // table's forward chain as the kernel lists it, without counters (a constant dozen
    // rules, no set elements). nullopt when the table or the chain is missing.
    virtual std::optional<std::string> fingerprint(const std::string& table) = 0;
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

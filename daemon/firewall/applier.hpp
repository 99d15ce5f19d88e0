// The edge to the kernel: runs nftables script text. Applier is the seam tests fake;
// NftApplier is libnftables (no `nft` child process).
#pragma once

#include <memory>
#include <string>

struct nft_ctx;

namespace warden::firewall {

class Applier {
  public:
    virtual ~Applier() = default;
    // Runs `script` as one buffer, i.e. one kernel transaction. Returns "" or the error.
    virtual std::string apply(const std::string& script) = 0;
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

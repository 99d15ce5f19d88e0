// The edge to the kernel. Applier is the seam tests fake (they see script text);
// NftApplier sends a Ruleset as one libnftnl netlink batch (netlink.hpp) and runs other
// nftables text through libnftables (no `nft` child process).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/firewall/ruleset.hpp"

struct nft_ctx;
struct mnl_socket;
struct nlmsghdr;

namespace warden::firewall {

class Applier {
  public:
    virtual ~Applier() = default;
    // Runs `script` as one buffer, i.e. one kernel transaction. Returns "" or the error.
    virtual std::string apply(const std::string& script) = 0;
    // What a stranger's `nft flush ruleset` / `flush table` / edit changes: the table's
    // forward chain as the kernel lists it, without counters. nullopt when the table or
    // the chain is missing.
    virtual std::optional<std::string> fingerprint(const std::string& table) = 0;
    // The first look, cheap (no rules, no elements): every table's chain declarations
    // ("list chains"). Equal to the last time means no table or chain came or went.
    virtual std::optional<std::string> chain_list() = 0;
    // Replaces the whole table with `rules`, one transaction. Returns "" or the error.
    // By default: render_full's text through apply().
    virtual std::string apply_full(const Ruleset& rules);
    // Only the elements that differ from `from`; nullopt when the structure differs (a
    // full apply is needed). By default: render_delta's text through apply().
    virtual std::optional<std::string> apply_delta(const Ruleset& from, const Ruleset& to);
    // nf_tables' generation id: every committed change of any table increments it, so an
    // equal id means nothing was changed since. nullopt when unknown.
    virtual std::optional<std::uint32_t> generation() { return std::nullopt; }
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
    std::string apply_full(const Ruleset& rules) override;
    std::optional<std::string> apply_delta(const Ruleset& from, const Ruleset& to) override;
    std::optional<std::uint32_t> generation() override;
    // Any nft commands, e.g. "list table inet warden"; output and errors captured.
    NftResult run(const std::string& commands);
    // Checks `script` in the kernel without committing it (nft -c).
    NftResult check(const std::string& script);

  private:
    struct CtxFree {
        void operator()(nft_ctx* ctx) const;
    };
    struct SocketClose {
        void operator()(mnl_socket* nl) const;
    };
    bool request(std::uint16_t type, std::uint16_t flags,
                 const std::function<void(nlmsghdr*)>& payload,
                 int (*on_reply)(const nlmsghdr*, void*), void* data);
    // Sends one batch and collects the kernel's refusal, if any.
    std::string send(const std::vector<char>& batch);

    std::unique_ptr<nft_ctx, CtxFree> ctx_;
    std::unique_ptr<mnl_socket, SocketClose> nl_;
    std::uint32_t seq_ = 0;
};

}  // namespace warden::firewall

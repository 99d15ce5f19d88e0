// The edge to the kernel's connection tracking: lists the IPv4 flows and deletes the ones
// a judge (flows.hpp) rejects. FlowCutter is the seam tests fake; ConntrackCutter is
// libnetfilter_conntrack over netlink (no `conntrack` child process).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "daemon/firewall/flows.hpp"

struct nfct_handle;

namespace warden::firewall {

struct CutResult {
    std::size_t seen = 0;  // IPv4 flows listed
    std::size_t cut = 0;   // deleted
    std::string error;     // listing failed; what was cut before stays cut
    bool ok() const { return error.empty(); }
};

class FlowCutter {
  public:
    virtual ~FlowCutter() = default;
    // Deletes every IPv4 conntrack entry whose original direction `keep` rejects.
    virtual CutResult cut(const std::function<bool(const Flow&)>& keep) = 0;
    // Flows cut outside cut()'s result (a cutter that sweeps in the background).
    virtual std::size_t cut_total() const { return 0; }
};

class ConntrackCutter final : public FlowCutter {
  public:
    ConntrackCutter();  // throws std::runtime_error when netlink cannot be opened
    CutResult cut(const std::function<bool(const Flow&)>& keep) override;

  private:
    struct HandleClose {
        void operator()(nfct_handle* h) const;
    };
    // A dump cannot be interleaved with other requests on its socket: one to list, one
    // to delete.
    std::unique_ptr<nfct_handle, HandleClose> lister_, deleter_;
};

}  // namespace warden::firewall

#include "daemon/firewall/conntrack.hpp"

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace warden::firewall {
namespace {

struct ConntrackFree {
    void operator()(nf_conntrack* ct) const { nfct_destroy(ct); }
};
using ConntrackPtr = std::unique_ptr<nf_conntrack, ConntrackFree>;

struct FilterFree {
    void operator()(nfct_filter_dump* f) const { nfct_filter_dump_destroy(f); }
};

struct Dump {
    const std::function<bool(const Flow&)>* keep = nullptr;
    std::size_t seen = 0;
    std::vector<ConntrackPtr> rejected;
};

Flow flow_of(const nf_conntrack* ct) {
    Flow f;
    f.src = ntohl(nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC));
    f.dst = ntohl(nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST));
    f.proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
    if (f.proto == IPPROTO_TCP || f.proto == IPPROTO_UDP)
        f.dst_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
    return f;
}

int on_entry(enum nf_conntrack_msg_type, struct nf_conntrack* ct, void* data) {
    auto* dump = static_cast<Dump*>(data);
    ++dump->seen;
    if (!(*dump->keep)(flow_of(ct))) {
        // `ct` belongs to the library and is freed after this callback returns.
        if (ConntrackPtr copy{nfct_clone(ct)}) dump->rejected.push_back(std::move(copy));
    }
    return NFCT_CB_CONTINUE;
}

nfct_handle* open_handle() {
    nfct_handle* h = nfct_open(CONNTRACK, 0);
    if (!h)
        throw std::runtime_error(std::string("conntrack: cannot open netlink: ") +
                                 std::strerror(errno));
    return h;
}

}  // namespace

void ConntrackCutter::HandleClose::operator()(nfct_handle* h) const {
    nfct_close(h);
}

ConntrackCutter::ConntrackCutter() : lister_(open_handle()), deleter_(open_handle()) {}

CutResult ConntrackCutter::cut(const std::function<bool(const Flow&)>& keep) {
    CutResult result;
    Dump dump;
    dump.keep = &keep;
    std::unique_ptr<nfct_filter_dump, FilterFree> filter(nfct_filter_dump_create());
    if (!filter) {
        result.error = "conntrack: out of memory";
        return result;
    }
    nfct_filter_dump_set_attr_u8(filter.get(), NFCT_FILTER_DUMP_L3NUM, AF_INET);
    nfct_callback_register(lister_.get(), NFCT_T_ALL, on_entry, &dump);
    const int listed = nfct_query(lister_.get(), NFCT_Q_DUMP_FILTER, filter.get());
    const int list_errno = errno;
    nfct_callback_unregister(lister_.get());
    result.seen = dump.seen;
    if (listed != 0)
        result.error = std::string("conntrack: listing failed: ") + std::strerror(list_errno);
    // Even after a failed (partial) listing, what was judged is cut.
    for (const auto& ct : dump.rejected) {
        // ENOENT: the flow ended meanwhile, which is what we wanted anyway.
        if (nfct_query(deleter_.get(), NFCT_Q_DESTROY, ct.get()) == 0 || errno == ENOENT)
            ++result.cut;
    }
    return result;
}

}  // namespace warden::firewall

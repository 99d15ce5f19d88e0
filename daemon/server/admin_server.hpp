// The admin socket: newline-delimited JSON requests from wardenctl, one reply line per
// request. The caller is identified by SO_PEERCRED: root and members of the admin group
// may change things, members of the viewer group may read, everyone else is refused.
#pragma once

#include <boost/asio.hpp>

#include <memory>
#include <set>
#include <string>

#include "daemon/control/registry.hpp"

namespace warden::server {

struct AccessPolicy {
    std::string admin_group;
    std::string viewer_group;
};

// Who is behind a uid, and what may they do (reads the group database).
control::Caller caller_for_uid(unsigned uid, const AccessPolicy& policy);

class AdminConnection;

class AdminServer {
  public:
    static constexpr std::size_t kMaxRequest = std::size_t{1024} * 1024;

    AdminServer(boost::asio::io_context& io, std::string socket_path,
                const control::Registry& registry, AccessPolicy policy);
    ~AdminServer();

    void start();  // throws on bind failure
    void stop();

  private:
    friend class AdminConnection;
    void accept_next();

    std::string path_;
    const control::Registry& registry_;
    AccessPolicy policy_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::set<std::shared_ptr<AdminConnection>> connections_;
};

}  // namespace warden::server

// The admin socket: newline-delimited JSON requests from wardenctl, one reply line per
// request. The caller is identified by SO_PEERCRED: root and members of the admin group
// may change things, members of the viewer group may read; anyone else gets one
// "permission denied" reply and the connection is closed.
//
// A request may carry one open file descriptor (SCM_RIGHTS, sent with the bytes of its
// line; see control/registry.hpp): it belongs to the request whose line it arrived in,
// is handed to the command and closed after the reply. More than one is refused.
//
// The socket is reachable by every local user (the folder decides), so it is bounded:
// at most Limits::max_per_user connections per uid and max_connections in all (over the
// cap: an error reply, then close), a connection without a complete request (or whose
// reply is not read) for idle_timeout is closed, and when accept() runs out of descriptors
// (EMFILE/ENFILE) the server waits accept_backoff instead of retrying in a busy loop.
#pragma once

#include <sys/types.h>

#include <boost/asio.hpp>

#include <chrono>
#include <map>
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

struct AdminLimits {
    std::size_t max_connections = 64;               // all callers together
    std::size_t max_per_user = 16;                  // per uid (root included)
    std::chrono::milliseconds idle_timeout{30000};  // no complete request / reply unread
    std::chrono::milliseconds accept_backoff{100};  // after EMFILE/ENFILE on accept
};

class AdminConnection;

class AdminServer {
  public:
    static constexpr std::size_t kMaxRequest = std::size_t{1024} * 1024;

    AdminServer(boost::asio::io_context& io, std::string socket_path,
                const control::Registry& registry, AccessPolicy policy, AdminLimits limits = {});
    ~AdminServer();

    void start();  // throws on bind failure
    void stop();
    std::size_t connection_count() const { return connections_.size(); }

  private:
    friend class AdminConnection;
    void accept_next();
    void on_accept(boost::system::error_code ec, boost::asio::local::stream_protocol::socket s);
    // Why a new connection from `caller` is turned away, or empty.
    std::string refusal(const control::Caller& caller) const;
    void forget(const std::shared_ptr<AdminConnection>& conn);

    std::string path_;
    const control::Registry& registry_;
    AccessPolicy policy_;
    AdminLimits limits_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    boost::asio::steady_timer backoff_;
    bool out_of_fds_ = false;  // logs once per episode, not once per retry
    std::set<std::shared_ptr<AdminConnection>> connections_;
    std::map<uid_t, std::size_t> per_user_;
};

}  // namespace warden::server

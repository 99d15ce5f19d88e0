// The plugin socket: many OpenVPN plugin connections, each a stream of wire frames.
// Requests are decoded into typed values (plugin_decode.hpp) and answered through
// PluginRequests (no transport in there); a malformed frame gets an Error reply and the
// connection is closed, a malformed field an Error reply to that request only.
//
// Who may connect: the socket is 0660 root:socket_group, and each connection's peer is
// checked (SO_PEERCRED) as well: uid 0, the uid of socket_user or the gid of socket_group.
// Anyone else (e.g. a process that inherited or was handed a way in) is closed with a log
// line before a single frame is read.
#pragma once

#include <sys/types.h>

#include <boost/asio.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/wire.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/core/verdict_stats.hpp"

namespace warden::server {

using core::PluginRequests;

class PluginConnection;

// Forwards to the daemon's PluginRequests and counts each Auth and Connect verdict
// (outcome, refusal class) into `stats`; prefetches are not verdicts and are not counted.
class CountingRequests final : public PluginRequests {
  public:
    CountingRequests(PluginRequests& inner, core::VerdictStats& stats)
        : inner_(inner), stats_(stats) {}
    core::VerdictReply auth(const core::AuthRequest& request) override {
        return counted(core::RequestKind::Auth, inner_.auth(request));
    }
    core::VerdictReply connect(const core::ConnectRequest& request) override {
        return counted(core::RequestKind::Connect, inner_.connect(request));
    }
    void disconnect(const core::DisconnectRequest& request) override { inner_.disconnect(request); }
    core::VerdictReply prefetch(const core::ConnectRequest& request) override {
        return inner_.prefetch(request);
    }
    void after_replies() override { inner_.after_replies(); }

  private:
    core::VerdictReply counted(core::RequestKind kind, core::VerdictReply reply) {
        stats_.verdict(kind, reply.allow, reply.reason);
        return reply;
    }
    PluginRequests& inner_;
    core::VerdictStats& stats_;
};

class PluginServer {
  public:
    struct Options {
        std::chrono::milliseconds verdict_delay{0};  // tests: force the plugin's deferred path
        std::size_t max_frame = wire::kDefaultMaxFrame;
        std::string socket_group;  // also allowed to connect (mode 0660); empty: root only
        std::string socket_user;   // also allowed to connect (OpenVPN's `user`); empty: none
    };

    PluginServer(boost::asio::io_context& io, std::string socket_path, PluginRequests& requests,
                 Options options);
    ~PluginServer();

    // Binds the socket (replacing a stale file) and starts accepting. Throws on failure.
    void start();
    void stop();
    std::size_t connection_count() const { return connections_.size(); }
    // Sends an unsolicited message to every connected plugin.
    void broadcast(const wire::Message& msg);
    // Tells every plugin that can prefetch verdicts that its prefetched ones are stale.
    // Called after a committed change, before it is reported done: the message is handed
    // to each socket now, ahead of anything the change's command answers.
    void invalidate_prefetches();
    // Verdict times and the plugins' deferral reports, since start.
    const core::VerdictStats& stats() const { return stats_; }

  private:
    friend class PluginConnection;
    void accept_next();
    void forget(const std::shared_ptr<PluginConnection>& conn);
    bool peer_allowed(int fd) const;
    void after_replies_soon();

    boost::asio::io_context& io_;
    std::string path_;
    PluginRequests& requests_;
    Options options_;
    std::optional<uid_t> allowed_uid_;  // socket_user, resolved at start()
    std::optional<gid_t> allowed_gid_;  // socket_group, resolved at start()
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::set<std::shared_ptr<PluginConnection>> connections_;
    core::VerdictStats stats_;
    CountingRequests counting_{requests_, stats_};  // after stats_
    bool after_replies_posted_ = false;
};

}  // namespace warden::server

// The plugin socket: many OpenVPN plugin connections, each a stream of wire frames.
// Requests are answered through PluginRequests (no transport in there); a malformed
// frame gets an Error reply and the connection is closed, others keep being served.
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/wire.hpp"
#include "daemon/core/plugin_requests.hpp"

namespace warden::server {

using core::PluginRequests;

class PluginConnection;

class PluginServer {
  public:
    struct Options {
        std::chrono::milliseconds verdict_delay{0};  // tests: force the plugin's deferred path
        std::size_t max_frame = wire::kDefaultMaxFrame;
        std::string socket_group;  // also allowed to connect (mode 0660); empty: root only
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

  private:
    friend class PluginConnection;
    void accept_next();
    void forget(const std::shared_ptr<PluginConnection>& conn);

    boost::asio::io_context& io_;
    std::string path_;
    PluginRequests& requests_;
    Options options_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::set<std::shared_ptr<PluginConnection>> connections_;
};

}  // namespace warden::server

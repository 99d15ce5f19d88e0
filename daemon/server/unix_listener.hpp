// Binding a UNIX stream socket the daemon owns: a stale file from a crashed run is
// replaced, and the mode is set before the first connection can be accepted.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <string>

namespace warden::server {

inline void listen_unix(boost::asio::local::stream_protocol::acceptor& acceptor,
                        const std::string& path, mode_t mode) {
    using stream = boost::asio::local::stream_protocol;
    ::unlink(path.c_str());
    acceptor.open(stream());
    acceptor.bind(stream::endpoint(path));
    ::chmod(path.c_str(), mode);
    acceptor.listen(boost::asio::socket_base::max_listen_connections);
}

// Stops accepting and removes the socket file (connected peers are closed by the caller).
inline void close_unix(boost::asio::local::stream_protocol::acceptor& acceptor,
                       const std::string& path) {
    if (!acceptor.is_open()) return;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    ::unlink(path.c_str());
}

}  // namespace warden::server

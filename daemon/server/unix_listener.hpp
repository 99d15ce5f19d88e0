// Binding a UNIX stream socket the daemon owns: a stale file from a crashed run is
// replaced, and the mode is set before the first connection can be accepted.
// The socket folder (e.g. /run/warden, or DIR/run from `wardend init`) is created 0755
// when missing: connecting needs search rights on it, the sockets' modes and the peer
// checks decide who gets in. An existing folder is left as the operator made it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <cerrno>
#include <string>

namespace warden::server {

inline void ensure_socket_folder(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return;
    const std::string folder = path.substr(0, slash);
    if (::mkdir(folder.c_str(), 0755) == 0) ::chmod(folder.c_str(), 0755);  // despite umask
}

inline void listen_unix(boost::asio::local::stream_protocol::acceptor& acceptor,
                        const std::string& path, mode_t mode) {
    using stream = boost::asio::local::stream_protocol;
    ensure_socket_folder(path);
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

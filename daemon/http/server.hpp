// A small HTTP/1.1 server on wardend's event loop (Boost.Beast) for the
// time-restricted-access confirmation page and, later, Prometheus metrics.
//
// Bounded in every direction, since it may face untrusted networks: request header and
// body sizes (over -> 431/413, then close), one timeout for receiving a request and for
// sending its response (slow clients are disconnected), a cap on connections (more are
// closed at accept), a cap on requests per keep-alive connection. Malformed requests get
// 400 and a close, methods other than GET/HEAD/POST 405. Every response carries
// Content-Length and the security headers (see request.hpp).
//
// The handler runs on the io_context's thread and must be quick: it decides, it does
// not wait. The server and its connections are used from one thread (wardend's loop).
//
// Use (the time-restricted-access page, the metrics endpoint):
//   HttpServer web(io, {"[::1]:8088", {}}, [&](const HttpRequest& req) {
//       if (req.path == "/metrics" && req.method != "POST") return metrics_page();
//       if (req.path == "/tr" && req.method == "POST") return tr_confirm(req);  // req.body
//       return error_response(404);
//   });
//   web.start();  // throws std::runtime_error when it cannot bind
// Rate limiting of token attempts is the handler's (rate_limit.hpp, keyed by req.peer).
#pragma once

#include <boost/asio.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "daemon/http/request.hpp"

namespace warden::http {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// "127.0.0.1:8088", "[::1]:8088", "0.0.0.0:80", "[::]:443": an IP literal (IPv6 in
// brackets) and a decimal port 0..65535 (0: any free port). No host names. Throws
// std::invalid_argument with the reason.
boost::asio::ip::tcp::endpoint parse_listen(std::string_view text);

struct HttpOptions {
    std::string listen;  // parse_listen() syntax
    HttpLimits limits;
};

class HttpConnection;

class HttpServer {
  public:
    // Throws std::invalid_argument on a bad listen string (nothing is opened yet).
    HttpServer(boost::asio::io_context& io, HttpOptions options, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts accepting; throws std::runtime_error naming the address when it
    // cannot bind (in use, not local, no permission).
    void start();
    // Stops accepting and closes every connection; pending handlers are cancelled.
    void stop();

    boost::asio::ip::tcp::endpoint local_endpoint() const;  // after start()
    std::size_t connection_count() const { return connections_.size(); }

  private:
    friend class HttpConnection;
    void accept_next();
    void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);
    void forget(const std::shared_ptr<HttpConnection>& conn);

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::endpoint endpoint_;
    HttpLimits limits_;
    Handler handler_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer backoff_;
    bool at_capacity_ = false;  // logs once per episode, not once per refused connection
    std::set<std::shared_ptr<HttpConnection>> connections_;
};

}  // namespace warden::http

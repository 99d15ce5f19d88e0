#include "daemon/http/server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "common/log.hpp"

namespace warden::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// After an error answer the client may still be sending; reading (and dropping) a bounded
// amount before closing keeps the kernel from resetting the connection, which would
// discard the answer at the client before it is read.
constexpr std::size_t kMaxDrainBytes = 256 * 1024;
constexpr std::chrono::milliseconds kMaxDrainTime{2000};
constexpr std::chrono::milliseconds kAcceptBackoff{100};

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
    const bool digits =
        !text.empty() && text.size() <= 5 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || (text.size() > 1 && text.front() == '0'))
        throw std::invalid_argument("listen address " + std::string(whole) + ": bad port");
    const unsigned long port = std::stoul(std::string(text));
    if (port > 65535)
        throw std::invalid_argument("listen address " + std::string(whole) + ": port over 65535");
    return static_cast<std::uint16_t>(port);
}

std::string peer_text(const tcp::socket& socket) {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    return addr.to_string();
}

}  // namespace

tcp::endpoint parse_listen(std::string_view text) {
    const std::string whole(text);
    boost::system::error_code ec;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string_view::npos)
            throw std::invalid_argument("listen address " + whole + ": expected [IPv6]:port");
        const auto addr = asio::ip::make_address_v6(std::string(text.substr(1, close - 1)), ec);
        if (ec) throw std::invalid_argument("listen address " + whole + ": bad IPv6 address");
        return {addr, parse_port(text.substr(close + 2), whole)};
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
        throw std::invalid_argument("listen address " + whole + ": expected address:port");
    if (text.find(':', colon + 1) != std::string_view::npos)
        throw std::invalid_argument("listen address " + whole +
                                    ": IPv6 needs brackets, [::1]:port");
    const auto addr = asio::ip::make_address_v4(std::string(text.substr(0, colon)), ec);
    if (ec) throw std::invalid_argument("listen address " + whole + ": bad IPv4 address");
    return {addr, parse_port(text.substr(colon + 1), whole)};
}

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
  public:
    HttpConnection(HttpServer& server, tcp::socket socket)
        : server_(&server),
          limits_(server.limits_),
          peer_(peer_text(socket)),
          stream_(std::move(socket)) {}

    void start() { read_next(); }

    // The server is stopping: drop every pending operation, touch the server no more.
    void close() {
        server_ = nullptr;
        boost::system::error_code ignored;
        stream_.socket().close(ignored);
    }

  private:
    void read_next() {
        parser_.emplace();
        apply_limits(*parser_, limits_);
        stream_.expires_after(limits_.read_timeout);
        beast_http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(const beast::error_code& ec) {
        if (!server_) return;
        if (ec) {
            if (const auto status = status_for_read_error(ec)) {
                log::debug("http request refused", {{"peer", peer_},
                                                    {"status", std::to_string(*status)},
                                                    {"error", ec.message()}});
                return send(to_beast(error_response(*status), false, false, 11), false);
            }
            return finish();  // timeout, EOF, reset: nobody to answer
        }
        ++served_;
        const unsigned version = parser_->get().version();
        const bool head = parser_->get().method() == beast_http::verb::head;
        bool keep = parser_->get().keep_alive() && served_ < limits_.keep_alive_requests;
        auto converted = to_request(parser_->release(), peer_);
        HttpResponse res;
        if (const unsigned* status = std::get_if<unsigned>(&converted)) {
            res = error_response(*status);
            keep = keep && *status != 400;
        } else {
            res = answer(std::get<HttpRequest>(converted));
        }
        send(to_beast(res, head, keep, version), keep);
    }

    HttpResponse answer(const HttpRequest& req) {
        HttpResponse res;
        try {
            res = server_->handler_(req);
        } catch (const std::exception& e) {
            log::error("http handler failed",
                       {{"path", loggable_path(req.path)}, {"error", e.what()}});
            res = error_response(500);
        }
        log::debug("http request", {{"peer", peer_},
                                    {"method", req.method},
                                    {"path", loggable_path(req.path)},
                                    {"status", std::to_string(res.status)}});
        return res;
    }

    void send(BeastResponse res, bool keep) {
        response_ = std::move(res);
        stream_.expires_after(limits_.read_timeout);
        beast_http::async_write(
            stream_, response_,
            [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                if (!self->server_) return;
                if (ec) return self->finish();
                keep ? self->read_next() : self->linger();
            });
    }

    void linger() {
        boost::system::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(
            std::min<std::chrono::milliseconds>(limits_.read_timeout, kMaxDrainTime));
        drain();
    }

    void drain() {
        stream_.async_read_some(asio::buffer(drain_buf_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (!self->server_) return;
                                    self->drained_ += n;
                                    if (ec || self->drained_ > kMaxDrainBytes)
                                        return self->finish();
                                    self->drain();
                                });
    }

    void finish() {
        boost::system::error_code ignored;
        stream_.socket().close(ignored);
        if (auto* server = std::exchange(server_, nullptr)) server->forget(shared_from_this());
    }

    HttpServer* server_;
    const HttpLimits limits_;
    const std::string peer_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<RequestParser> parser_;
    BeastResponse response_;
    std::size_t served_ = 0;
    std::size_t drained_ = 0;
    std::array<char, 4096> drain_buf_{};
};

HttpServer::HttpServer(asio::io_context& io, HttpOptions options, Handler handler)
    : io_(io),
      endpoint_(parse_listen(options.listen)),
      limits_(options.limits),
      handler_(std::move(handler)),
      acceptor_(io),
      backoff_(io) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    boost::system::error_code ec;
    acceptor_.open(endpoint_.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    // "[::]:port" means IPv6 only; IPv4 needs its own listener, so both are explicit.
    if (!ec && endpoint_.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(endpoint_, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        std::ostringstream where;
        where << endpoint_;
        throw std::runtime_error("http: cannot listen on " + where.str() + ": " + ec.message());
    }
    std::ostringstream where;
    where << acceptor_.local_endpoint();
    log::info("http listening", {{"address", where.str()}});
    accept_next();
}

void HttpServer::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
    auto connections = std::move(connections_);
    connections_.clear();
    for (const auto& conn : connections) conn->close();
}

tcp::endpoint HttpServer::local_endpoint() const {
    return acceptor_.local_endpoint();
}

void HttpServer::accept_next() {
    acceptor_.async_accept(io_, [this](const boost::system::error_code& ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void HttpServer::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
    // First, and without touching members: after stop() (or destruction, which stops)
    // the queued completion arrives with operation_aborted.
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        // Out of descriptors (or similar): wait instead of retrying in a busy loop.
        log::warn("http accept failed", {{"error", ec.message()}});
        backoff_.expires_after(kAcceptBackoff);
        backoff_.async_wait([this](const boost::system::error_code& e) {
            if (!e && acceptor_.is_open()) accept_next();
        });
        return;
    }
    if (connections_.size() >= limits_.max_connections) {
        if (!std::exchange(at_capacity_, true))
            log::warn("http connection refused",
                      {{"reason", "max_connections"},
                       {"limit", std::to_string(limits_.max_connections)}});
        boost::system::error_code ignored;
        socket.close(ignored);
    } else {
        at_capacity_ = false;
        auto conn = std::make_shared<HttpConnection>(*this, std::move(socket));
        connections_.insert(conn);
        conn->start();
    }
    accept_next();
}

void HttpServer::forget(const std::shared_ptr<HttpConnection>& conn) {
    connections_.erase(conn);
}

}  // namespace warden::http

#include "daemon/server/plugin_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "common/log.hpp"
#include "common/protocol.hpp"
#include "daemon/server/plugin_decode.hpp"
#include "daemon/server/plugin_report.hpp"
#include "daemon/server/unix_listener.hpp"

namespace warden::server {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;
using SteadyClock = std::chrono::steady_clock;

class PluginConnection : public std::enable_shared_from_this<PluginConnection> {
  public:
    PluginConnection(PluginServer& server, stream::socket socket)
        : server_(server), socket_(std::move(socket)), decoder_(server.options_.max_frame) {}

    void start() { read(); }
    bool prefetch_capable() const { return prefetch_capable_; }
    void close() {
        boost::system::error_code ignored;
        socket_.shutdown(stream::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
    // Replies are appended to one buffer and written together: under load a single
    // write() carries every verdict decided since the last one finished.
    // `read_at`: when the request's frame was read (replies to requests only), for the
    // verdict time counted once the reply is handed to the socket.
    void send(const wire::Message& msg, std::optional<SteadyClock::time_point> read_at = {}) {
        if (read_at) answered_.push_back(*read_at);
        if (!wire::encode(msg, pending_, server_.options_.max_frame)) {
            log::error(
                "plugin reply too large",
                {{"instance", instance_}, {"bytes", std::to_string(wire::payload_size(msg))}});
            // A request must still get an answer (the plugin denies on Error at once)
            // rather than wait for its timeout.
            if (msg.id == 0) return;
            wire::Message error(wire::Type::Error, msg.id);
            error.set(std::string(protocol::field::reason), "reply too large");
            if (!wire::encode(error, pending_, server_.options_.max_frame)) return;
        }
        if (!writing_) write_next();
    }

  private:
    void read() {
        socket_.async_read_some(
            asio::buffer(buffer_), [self = shared_from_this()](auto ec, std::size_t n) {
                if (ec) return self->finish(ec == asio::error::eof ? "" : ec.message());
                self->read_at_ = SteadyClock::now();
                self->decoder_.feed(self->buffer_.data(), n);
                self->drain();
            });
    }

    void drain() {
        wire::Message msg;
        for (;;) {
            const auto status = decoder_.next(msg);
            if (status == wire::DecodeStatus::NeedMore) {
                server_.after_replies_soon();
                return read();
            }
            if (status == wire::DecodeStatus::Error) return reject(decoder_.error());
            dispatch(msg);
        }
    }

    void dispatch(wire::Message& msg) {
        if (msg.type == wire::Type::Hello) {
            instance_ = msg.get_or(protocol::field::instance, "default");
            const std::string version = msg.get_or(protocol::field::plugin_version, "?");
            log::info("plugin connected", {{"instance", instance_}, {"plugin_version", version}});
            int number = 0;
            const auto [end, ec] =
                std::from_chars(version.data(), version.data() + version.size(), number);
            // Only a plugin that knows Invalidate gets one; the first also says "Prefetch
            // is understood here".
            prefetch_capable_ = ec == std::errc() && number >= protocol::kPrefetchVersion;
            if (prefetch_capable_) send(wire::Message(wire::Type::Invalidate, 0));
            return;
        }
        if (msg.type == wire::Type::Report) return on_report(msg);
        std::optional<wire::Message> reply;
        try {
            reply = answer(server_.counting_, msg, instance_);
        } catch (const std::exception& e) {
            log::error("plugin request failed", {{"instance", instance_}, {"error", e.what()}});
            reply = wire::Message(wire::Type::Error, msg.id);
            reply->set(std::string(protocol::field::reason), "internal error");
        }
        if (!reply) return;
        if (reply->type == wire::Type::Error &&
            (msg.type == wire::Type::Auth || msg.type == wire::Type::Connect))
            server_.stats_.verdict_error(msg.type == wire::Type::Auth ? core::RequestKind::Auth
                                                                      : core::RequestKind::Connect);
        const bool verdict = reply->type == wire::Type::Verdict || reply->type == wire::Type::Error;
        const auto read_at = verdict ? std::optional(read_at_) : std::nullopt;
        const auto delay = server_.options_.verdict_delay;
        if (delay.count() == 0 || reply->type != wire::Type::Verdict) return send(*reply, read_at);
        auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), delay);
        timer->async_wait([self = shared_from_this(), timer, r = std::move(*reply), read_at](auto) {
            self->send(r, read_at);
        });
    }

    // A deferral the plugin reports: logged and counted; a malformed one is only logged.
    void on_report(const wire::Message& msg) {
        std::string error;
        const auto report = decode_report(msg, error);
        if (!report) {
            log::warn("plugin report rejected", {{"instance", instance_}, {"field", error}});
            return;
        }
        log_report(*report, instance_);
        server_.stats_.record(*report);
    }

    void reject(const std::string& why) {
        log::warn("plugin frame rejected", {{"instance", instance_}, {"error", why}});
        wire::Message err(wire::Type::Error, 0);
        err.set(std::string(protocol::field::reason), "malformed frame: " + why);
        closing_ = true;
        send(err);
    }

    void write_next() {
        in_flight_.swap(pending_);
        pending_.clear();
        writing_ = true;
        // Handed to the socket now (asio writes at once when it can): the verdicts' time.
        const auto now = SteadyClock::now();
        for (const auto at : answered_) server_.stats_.verdict_took(now - at);
        answered_.clear();
        asio::async_write(socket_, asio::buffer(in_flight_),
                          [self = shared_from_this()](auto ec, std::size_t) {
                              self->writing_ = false;
                              if (ec) return self->finish(ec.message());
                              if (!self->pending_.empty()) return self->write_next();
                              if (self->closing_) self->finish("");
                          });
    }

    void finish(const std::string& error) {
        if (done_) return;
        done_ = true;
        if (!error.empty())
            log::info("plugin connection error", {{"instance", instance_}, {"error", error}});
        log::info("plugin disconnected", {{"instance", instance_}});
        close();
        server_.forget(shared_from_this());
    }

    PluginServer& server_;
    stream::socket socket_;
    wire::Decoder decoder_;
    std::array<char, 16384> buffer_{};
    std::string pending_;                            // encoded frames waiting for the next write
    std::string in_flight_;                          // what the current async_write is sending
    SteadyClock::time_point read_at_{};              // the last read's completion
    std::vector<SteadyClock::time_point> answered_;  // read times of the replies in pending_
    bool writing_ = false;
    std::string instance_ = "unknown";
    bool closing_ = false;
    bool prefetch_capable_ = false;  // Hello said plugin_version >= kPrefetchVersion
    bool done_ = false;
};

PluginServer::PluginServer(asio::io_context& io, std::string socket_path, PluginRequests& requests,
                           Options options)
    : io_(io),
      path_(std::move(socket_path)),
      requests_(requests),
      options_(options),
      acceptor_(io) {}

PluginServer::~PluginServer() {
    stop();
}

void PluginServer::start() {
    // Only root (OpenVPN before it drops privileges), OpenVPN's user and the socket's group
    // may connect. Unknown names fail the start: a typo must not open or close the door
    // silently.
    if (!options_.socket_user.empty()) {
        const passwd* pw = ::getpwnam(options_.socket_user.c_str());
        if (pw == nullptr)
            throw std::runtime_error("plugin socket: no user " + options_.socket_user);
        allowed_uid_ = pw->pw_uid;
    }
    if (!options_.socket_group.empty()) {
        const group* g = ::getgrnam(options_.socket_group.c_str());
        if (g == nullptr)
            throw std::runtime_error("plugin socket: no group " + options_.socket_group);
        allowed_gid_ = g->gr_gid;
    }
    listen_unix(acceptor_, path_, 0660);
    if (allowed_gid_ && ::chown(path_.c_str(), static_cast<uid_t>(-1), *allowed_gid_) != 0)
        throw std::runtime_error("plugin socket: cannot give it to group " + options_.socket_group);
    accept_next();
    log::info("plugin socket listening", {{"path", path_}});
}

void PluginServer::stop() {
    close_unix(acceptor_, path_);
    for (const auto& c : connections_) c->close();
    connections_.clear();
}

// Once per batch of requests, after the handlers that are ready (the replies' writes
// among them) have run.
void PluginServer::after_replies_soon() {
    if (after_replies_posted_) return;
    after_replies_posted_ = true;
    asio::post(io_, [this] {
        after_replies_posted_ = false;
        try {
            requests_.after_replies();
        } catch (const std::exception& e) {
            log::error("plugin after-reply work failed", {{"error", e.what()}});
        }
    });
}

void PluginServer::broadcast(const wire::Message& msg) {
    for (const auto& c : connections_) c->send(msg);
}

void PluginServer::invalidate_prefetches() {
    const wire::Message msg(wire::Type::Invalidate, 0);
    for (const auto& c : connections_)
        if (c->prefetch_capable()) c->send(msg);
}

void PluginServer::accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, stream::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec && !peer_allowed(socket.native_handle())) {
            boost::system::error_code ignored;
            socket.close(ignored);
        } else if (!ec) {
            auto conn = std::make_shared<PluginConnection>(*this, std::move(socket));
            connections_.insert(conn);
            conn->start();
        } else {
            log::warn("plugin accept failed", {{"error", ec.message()}});
        }
        accept_next();
    });
}

bool PluginServer::peer_allowed(int fd) const {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        log::warn("plugin connection refused", {{"error", "no peer credentials"}});
        return false;
    }
    if (cred.uid == 0 || (allowed_uid_ && cred.uid == *allowed_uid_) ||
        (allowed_gid_ && cred.gid == *allowed_gid_))
        return true;
    log::warn("plugin connection refused", {{"uid", std::to_string(cred.uid)},
                                            {"gid", std::to_string(cred.gid)},
                                            {"pid", std::to_string(cred.pid)}});
    return false;
}

void PluginServer::forget(const std::shared_ptr<PluginConnection>& conn) {
    connections_.erase(conn);
}

}  // namespace warden::server

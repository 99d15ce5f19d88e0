#include "daemon/server/admin_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/log.hpp"
#include "daemon/server/unix_listener.hpp"

namespace warden::server {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

namespace {

std::optional<gid_t> group_id(const std::string& name) {
    if (name.empty()) return std::nullopt;
    std::vector<char> buf(16384);
    group g{};
    group* result = nullptr;
    if (::getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &result) != 0 || !result)
        return std::nullopt;
    return g.gr_gid;
}

}  // namespace

control::Caller caller_for_uid(unsigned uid, const AccessPolicy& policy) {
    control::Caller caller;
    caller.uid = uid;
    caller.user = "uid:" + std::to_string(uid);
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return caller;
    caller.user = pw.pw_name;
    if (uid == 0) {
        caller.may_read = caller.may_write = true;
        return caller;
    }
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
        ::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count);
    }
    groups.resize(static_cast<std::size_t>(std::max(count, 0)));
    auto member = [&](const std::string& name) {
        auto gid = group_id(name);
        return gid && std::find(groups.begin(), groups.end(), *gid) != groups.end();
    };
    caller.may_write = member(policy.admin_group);
    caller.may_read = caller.may_write || member(policy.viewer_group);
    return caller;
}

class AdminConnection : public std::enable_shared_from_this<AdminConnection> {
  public:
    AdminConnection(AdminServer& server, stream::socket socket, control::Caller caller)
        : server_(server),
          socket_(std::move(socket)),
          caller_(std::move(caller)),
          input_(AdminServer::kMaxRequest) {}

    void start() { read(); }
    void close() {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

  private:
    void read() {
        asio::async_read_until(socket_, input_, '\n',
                               [self = shared_from_this()](auto ec, std::size_t n) {
                                   if (ec == asio::error::not_found)
                                       return self->reply_and_close("request too large");
                                   if (ec) return self->finish();
                                   std::string line(asio::buffers_begin(self->input_.data()),
                                                    asio::buffers_begin(self->input_.data()) + n);
                                   self->input_.consume(n);
                                   self->answer(line);
                               });
    }

    void answer(const std::string& line) {
        const control::Reply reply = server_.registry_.dispatch_line(line, caller_);
        write(control::json::serialize(reply.to_json()) + "\n", false);
    }

    void reply_and_close(const std::string& why) {
        log::warn("admin request rejected", {{"user", caller_.user}, {"error", why}});
        write(control::json::serialize(control::Reply::error(control::Code::Usage, why).to_json()) +
                  "\n",
              true);
    }

    void write(std::string text, bool then_close) {
        output_ = std::move(text);
        asio::async_write(socket_, asio::buffer(output_),
                          [self = shared_from_this(), then_close](auto ec, std::size_t) {
                              if (ec || then_close) return self->finish();
                              self->read();
                          });
    }

    void finish() {
        close();
        server_.connections_.erase(shared_from_this());
    }

    AdminServer& server_;
    stream::socket socket_;
    control::Caller caller_;
    asio::streambuf input_;
    std::string output_;
};

AdminServer::AdminServer(asio::io_context& io, std::string socket_path,
                         const control::Registry& registry, AccessPolicy policy)
    : path_(std::move(socket_path)),
      registry_(registry),
      policy_(std::move(policy)),
      acceptor_(io) {}

AdminServer::~AdminServer() {
    stop();
}

void AdminServer::start() {
    // Everyone may connect; what they may do is decided per request from SO_PEERCRED.
    listen_unix(acceptor_, path_, 0666);
    accept_next();
    log::info("admin socket listening", {{"path", path_}});
}

void AdminServer::stop() {
    close_unix(acceptor_, path_);
    for (const auto& c : connections_) c->close();
    connections_.clear();
}

void AdminServer::accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, stream::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
            ucred cred{};
            socklen_t len = sizeof(cred);
            if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
                auto conn = std::make_shared<AdminConnection>(*this, std::move(socket),
                                                              caller_for_uid(cred.uid, policy_));
                connections_.insert(conn);
                conn->start();
            }
        }
        accept_next();
    });
}

}  // namespace warden::server

#include "daemon/server/admin_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/fd.hpp"
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
    AdminConnection(AdminServer& server, stream::socket socket, control::Caller caller,
                    bool counted)
        : server_(server),
          socket_(std::move(socket)),
          caller_(std::move(caller)),
          counted_(counted),
          idle_(socket_.get_executor()) {}

    void start() { next_request(); }
    // One error reply, then close: for callers turned away at the door.
    void refuse(control::Code code, const std::string& why) {
        log::warn("admin connection refused", {{"user", caller_.user}, {"error", why}});
        write(control::json::serialize(control::Reply::error(code, why).to_json()) + "\n", true);
    }
    void close() {
        boost::system::error_code ignored;
        idle_.cancel();
        socket_.close(ignored);
    }
    uid_t uid() const { return caller_.uid; }
    bool counted() const { return counted_; }

  private:
    // A complete request must arrive within the idle timeout; partial lines do not
    // extend it (a trickle of bytes cannot hold a slot forever).
    void next_request() {
        arm_idle_timer();
        process_input();
    }

    // Also armed while a reply is written: a client that stops reading is dropped too.
    void arm_idle_timer() {
        idle_.expires_after(server_.limits_.idle_timeout);
        idle_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self) return;
            log::info("admin connection idle, closed", {{"user", self->caller_.user}});
            self->finish();
        });
    }

    void read_more() {
        socket_.async_wait(stream::socket::wait_read,
                           [self = shared_from_this()](boost::system::error_code ec) {
                               if (ec) return self->finish();
                               self->receive();
                           });
    }

    // recvmsg() instead of asio's reads: the request may carry a descriptor.
    void receive() {
        std::array<char, 16384> buf{};
        iovec iov{buf.data(), buf.size()};
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 4)> control{};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        const ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return read_more();
        keep_descriptors(msg);
        if (n <= 0) return finish();
        input_.append(buf.data(), static_cast<std::size_t>(n));
        process_input();
    }

    void keep_descriptors(const msghdr& msg) {
        if (msg.msg_flags & MSG_CTRUNC) extra_fds_ = true;
        for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (attached_) {
                    ::close(fd);
                    extra_fds_ = true;
                } else {
                    attached_.reset(fd);
                }
            }
        }
    }

    void process_input() {
        const auto end = input_.find('\n');
        if (end == std::string::npos) {
            if (input_.size() > AdminServer::kMaxRequest)
                return refuse(control::Code::Usage, "request too large");
            return read_more();
        }
        idle_.cancel();
        const std::string line = input_.substr(0, end);
        input_.erase(0, end + 1);
        if (extra_fds_)
            return refuse(control::Code::Usage, "at most one file descriptor per request");
        const control::Reply reply =
            server_.registry_.dispatch_line(line, caller_, attached_.get());
        attached_.reset();
        write(control::json::serialize(reply.to_json()) + "\n", false);
    }

    void write(std::string text, bool then_close) {
        output_ = std::move(text);
        arm_idle_timer();
        asio::async_write(socket_, asio::buffer(output_),
                          [self = shared_from_this(), then_close](auto ec, std::size_t) {
                              if (ec || then_close) return self->finish();
                              self->next_request();
                          });
    }

    void finish() {
        if (done_) return;
        done_ = true;
        close();
        server_.forget(shared_from_this());
    }

    AdminServer& server_;
    stream::socket socket_;
    control::Caller caller_;
    bool counted_;
    asio::steady_timer idle_;
    std::string input_;
    std::string output_;
    UniqueFd attached_;  // the descriptor sent with the request being read
    bool extra_fds_ = false;
    bool done_ = false;
};

AdminServer::AdminServer(asio::io_context& io, std::string socket_path,
                         const control::Registry& registry, AccessPolicy policy, AdminLimits limits)
    : path_(std::move(socket_path)),
      registry_(registry),
      policy_(std::move(policy)),
      limits_(limits),
      acceptor_(io),
      backoff_(io) {}

AdminServer::~AdminServer() {
    stop();
}

void AdminServer::start() {
    // Every user who can reach the folder may connect; what they may do is decided from
    // SO_PEERCRED (callers outside both groups are turned away at once).
    listen_unix(acceptor_, path_, 0666);
    accept_next();
    log::info("admin socket listening", {{"path", path_}});
}

void AdminServer::stop() {
    backoff_.cancel();
    close_unix(acceptor_, path_);
    for (const auto& c : connections_) c->close();
    connections_.clear();
    per_user_.clear();
}

void AdminServer::accept_next() {
    acceptor_.async_accept([this](boost::system::error_code ec, stream::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void AdminServer::on_accept(boost::system::error_code ec, stream::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
        // The pending connection stays in the backlog; retrying at once would spin.
        if (!out_of_fds_) log::warn("admin accept out of descriptors", {{"error", ec.message()}});
        out_of_fds_ = true;
        backoff_.expires_after(limits_.accept_backoff);
        backoff_.async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec) accept_next();
        });
        return;
    }
    out_of_fds_ = false;
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (!ec && ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        control::Caller caller = caller_for_uid(cred.uid, policy_);
        const std::string why = refusal(caller);
        const auto code = caller.may_read ? control::Code::Invalid : control::Code::Denied;
        auto conn = std::make_shared<AdminConnection>(*this, std::move(socket), std::move(caller),
                                                      why.empty());
        connections_.insert(conn);
        if (why.empty()) {
            ++per_user_[conn->uid()];
            conn->start();
        } else {
            conn->refuse(code, why);
        }
    } else if (ec) {
        log::warn("admin accept failed", {{"error", ec.message()}});
    }
    accept_next();
}

std::string AdminServer::refusal(const control::Caller& caller) const {
    if (!caller.may_read)
        return "permission denied: " + caller.user + " is in neither " + policy_.admin_group +
               " nor " + policy_.viewer_group;
    std::size_t counted = 0;
    for (const auto& c : connections_) counted += c->counted() ? 1 : 0;
    if (counted >= limits_.max_connections)
        return "too many admin connections (" + std::to_string(limits_.max_connections) +
               " in all); try again later";
    const auto it = per_user_.find(caller.uid);
    if (it != per_user_.end() && it->second >= limits_.max_per_user)
        return "too many admin connections for " + caller.user + " (" +
               std::to_string(limits_.max_per_user) + "); try again later";
    return {};
}

void AdminServer::forget(const std::shared_ptr<AdminConnection>& conn) {
    if (connections_.erase(conn) == 0 || !conn->counted()) return;
    auto it = per_user_.find(conn->uid());
    if (it != per_user_.end() && --it->second == 0) per_user_.erase(it);
}

}  // namespace warden::server

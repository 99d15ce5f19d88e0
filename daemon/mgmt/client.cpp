#include "daemon/mgmt/client.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <optional>

#include "common/endpoint.hpp"
#include "common/log.hpp"

namespace warden::mgmt {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;
using boost::system::error_code;

class Client::Impl : public std::enable_shared_from_this<Impl> {
  public:
    // Idle: no socket (waiting to retry, or stopped). Greeting: connected, waiting for
    // ">INFO:" (after the password, if asked). Ready: commands flow.
    enum class State { Idle, Connecting, Greeting, Ready };

    Impl(asio::io_context& io, std::string instance, std::string path, ClientOptions options)
        : io_(io),
          instance_(std::move(instance)),
          path_(std::move(path)),
          opt_(std::move(options)),
          socket_(io),
          retry_timer_(io),
          poll_timer_(io),
          deadline_(io),
          splitter_(opt_.max_line),
          reader_(opt_.max_response),
          backoff_(opt_.backoff_initial) {}

    void start() {
        if (running_) return;
        running_ = true;
        backoff_ = opt_.backoff_initial;
        connect();
    }

    void stop() {
        if (!running_) return;
        running_ = false;
        retry_timer_.cancel();
        bool was_ready = state_ == State::Ready;
        teardown("stopped");
        if (was_ready)
            log::info("management disconnected", {{"instance", instance_}, {"reason", "stopped"}});
    }

    void refresh() {
        if (state_ != State::Ready || status_queued_) return;
        status_queued_ = true;
        queue_.push_back({"status 3", nullptr, true});
        dispatch();
    }

    void send_command(std::string cmd, CommandDone done) {
        if (cmd.empty() || cmd.find_first_of("\r\n") != std::string::npos) {
            return post_failure(std::move(done), "invalid command");
        }
        // While connecting the command waits for the greeting; with no connection at all
        // (OpenVPN down, between retries) it fails now rather than waiting for a restart.
        if (!running_ || state_ == State::Idle)
            return post_failure(std::move(done), "not connected");
        queue_.push_back({std::move(cmd), std::move(done), false});
        dispatch();
    }

    void kill_client(std::uint64_t cid, KillDone done) {
        send_command("client-kill " + std::to_string(cid), kill_reply(std::move(done)));
    }

    void kill_address(const std::string& address, KillDone done) {
        bool clean = !address.empty() && address.size() <= 64 &&
                     std::all_of(address.begin(), address.end(), [](unsigned char c) {
                         return std::isalnum(c) || c == '.' || c == ':' || c == '[' || c == ']' ||
                                c == '%' || c == '_' || c == '-';
                     });
        if (!clean) return post_failure(kill_reply(std::move(done)), "invalid address");
        if (is_ipv4_endpoint(address)) {
            return send_command("kill " + address, kill_reply(std::move(done)));
        }
        // 2.6's `kill` splits its argument at ':' so it cannot name an IPv6 peer: go
        // through the client id of the session we last saw at that address.
        // sessions() hold endpoint::reported() forms ("[ip6]" without port for 2.6).
        const std::string wanted = endpoint::reported(address);
        const std::string exact = endpoint::canonical(address);
        for (const auto& s : sessions_) {
            if (s.real_address == wanted || endpoint::matches(s.real_address, exact))
                return kill_client(s.client_id, std::move(done));
        }
        post_failure(kill_reply(std::move(done)), "no session at address " + address);
    }

    bool dead_ = false;  // the Client is gone: drop callbacks instead of calling them
    asio::io_context& io_;
    std::string instance_, path_;
    ClientOptions opt_;
    State state_ = State::Idle;
    std::vector<Session> sessions_;
    std::function<void(const std::vector<Session>&)> on_sessions_;
    std::function<void(bool)> on_connection_;
    std::function<void(std::string_view)> on_log_;

  private:
    struct Pending {
        std::string cmd;
        CommandDone done;
        bool is_status = false;
    };

    template <typename F, typename... Args>
    void invoke(const char* what, F& f, Args&&... args) {
        if (!f || dead_) return;
        try {
            f(std::forward<Args>(args)...);
        } catch (const std::exception& e) {
            log::error("management callback failed",
                       {{"instance", instance_}, {"callback", what}, {"error", e.what()}});
        } catch (...) {
            log::error("management callback failed", {{"instance", instance_}, {"callback", what}});
        }
    }

    CommandDone kill_reply(KillDone done) {
        return
            [weak = weak_from_this(), done = std::move(done)](bool ok, std::vector<std::string> l) {
                if (done) done(ok, l.empty() ? std::string() : l.front());
                // OpenVPN ends the instance a moment later; the poll confirms it.
                if (auto self = weak.lock(); ok && self) self->refresh();
            };
    }

    void post_failure(CommandDone done, std::string why) {
        if (!done) return;
        asio::post(io_, [self = shared_from_this(), done = std::move(done),
                         why = std::move(why)]() mutable {
            self->invoke("command", done, false, std::vector<std::string>{why});
        });
    }

    void connect() {
        ++gen_;
        state_ = State::Connecting;
        splitter_.reset();
        reader_.reset();
        password_sent_ = false;
        socket_ = stream::socket(io_);
        stream::endpoint endpoint;
        try {
            endpoint = stream::endpoint(path_);
        } catch (const std::exception& e) {  // path longer than sun_path
            return attempt_failed(e.what());
        }
        arm_deadline(opt_.command_timeout, "no greeting");
        socket_.async_connect(endpoint, [self = shared_from_this(), g = gen_](error_code ec) {
            if (g != self->gen_) return;
            if (ec) return self->attempt_failed(ec.message());
            self->state_ = State::Greeting;
            self->read();
        });
    }

    // A connection attempt that never reached Ready: logged once per outage, not once per
    // retry, so a stopped OpenVPN does not flood the journal.
    void attempt_failed(const std::string& why) {
        if (!failure_logged_) {
            log::warn("management connect failed",
                      {{"instance", instance_}, {"path", path_}, {"error", why}});
            failure_logged_ = true;
        } else {
            log::debug("management connect failed", {{"instance", instance_}, {"error", why}});
        }
        teardown(why);
        schedule_reconnect();
    }

    void schedule_reconnect() {
        if (!running_) return;
        retry_timer_.expires_after(backoff_);
        backoff_ = std::min(backoff_ * 2, opt_.backoff_max);
        retry_timer_.async_wait([self = shared_from_this(), g = gen_](error_code ec) {
            if (ec || g != self->gen_ || !self->running_) return;
            self->connect();
        });
    }

    // Closes the connection and fails every pending command with `why`.
    void teardown(const std::string& why) {
        ++gen_;  // in-flight handlers of this connection see a stale generation and return
        error_code ignored;
        socket_.close(ignored);
        poll_timer_.cancel();
        ++deadline_seq_;
        deadline_.cancel();
        state_ = State::Idle;
        out_.clear();
        writing_ = false;
        status_queued_ = false;
        sessions_.clear();
        std::deque<Pending> failed = std::move(queue_);
        queue_.clear();
        if (in_flight_) failed.push_front(std::move(*in_flight_));
        in_flight_.reset();
        for (auto& p : failed) post_failure(std::move(p.done), why);
    }

    void connection_lost(const std::string& why) {
        if (state_ != State::Ready) return attempt_failed(why);
        log::warn("management connection lost", {{"instance", instance_}, {"reason", why}});
        teardown(why);
        schedule_reconnect();
        invoke("connection", on_connection_, false);
    }

    void arm_deadline(std::chrono::milliseconds after, const char* why) {
        deadline_.expires_after(after);
        deadline_.async_wait(
            [self = shared_from_this(), seq = ++deadline_seq_, why](error_code ec) {
                if (ec || seq != self->deadline_seq_) return;
                self->connection_lost(why);
            });
    }

    void read() {
        socket_.async_read_some(asio::buffer(rbuf_), [self = shared_from_this(), g = gen_](
                                                         error_code ec, std::size_t n) {
            if (g != self->gen_) return;
            try {
                self->on_read(ec, n);
            } catch (const std::exception& e) {  // bad_alloc and the like: start over
                self->connection_lost(std::string("internal error: ") + e.what());
            }
        });
    }

    void on_read(error_code ec, std::size_t n) {
        if (ec) return connection_lost(ec == asio::error::eof ? "closed by server" : ec.message());
        auto g = gen_;
        auto dropped = splitter_.dropped_lines();
        auto lines = splitter_.feed(std::string_view(rbuf_.data(), n));
        if (splitter_.dropped_lines() != dropped) {
            log::warn("management line too long, dropped", {{"instance", instance_}});
        }
        for (const auto& line : lines) {
            handle_line(line);
            if (g != gen_) return;  // the line ended this connection (or a callback did)
        }
        if (splitter_.partial() == kPasswordPrompt) {
            splitter_.clear_partial();
            password_prompt();
            if (g != gen_) return;
        }
        read();
    }

    void password_prompt() {
        if (opt_.password.empty()) return attempt_failed("password required");
        if (password_sent_) return attempt_failed("password rejected");
        password_sent_ = true;
        write(opt_.password + "\n");
    }

    void handle_line(const std::string& line) {
        auto l = classify(line);
        if (l.kind == LineKind::Notification) return notification(l);
        // Before the greeting only the password's answer can come; nothing to match.
        if (state_ != State::Ready) return;
        auto response = reader_.push(line);
        if (!response) return;
        if (!in_flight_) {
            log::warn("management unexpected response", {{"instance", instance_}, {"line", line}});
            return;
        }
        complete(std::move(*response));
    }

    void notification(const Line& l) {
        if (l.type == "INFO" && state_ == State::Greeting) return became_ready();
        if (l.type == "CLIENT" &&
            (l.payload.starts_with("ESTABLISHED") || l.payload.starts_with("DISCONNECT"))) {
            return refresh();  // sessions changed: do not wait for the next poll
        }
        if (l.type == "LOG") return invoke("log", on_log_, l.payload);
        if (l.type == "FATAL") {
            log::error("openvpn fatal error", {{"instance", instance_}, {"text", l.payload}});
        } else if (l.type == "HOLD") {
            log::warn("openvpn waits for hold release", {{"instance", instance_}});
        }
    }

    void became_ready() {
        ++deadline_seq_;
        deadline_.cancel();
        state_ = State::Ready;
        backoff_ = opt_.backoff_initial;
        failure_logged_ = false;
        log::info("management connected", {{"instance", instance_}, {"path", path_}});
        auto g = gen_;
        invoke("connection", on_connection_, true);
        if (g != gen_) return;
        refresh();
        schedule_poll();
    }

    void schedule_poll() {
        if (opt_.poll_interval.count() <= 0) return;
        poll_timer_.expires_after(opt_.poll_interval);
        poll_timer_.async_wait([self = shared_from_this(), g = gen_](error_code ec) {
            if (ec || g != self->gen_) return;
            self->refresh();
            self->schedule_poll();
        });
    }

    void dispatch() {
        if (state_ != State::Ready || in_flight_ || queue_.empty()) return;
        in_flight_ = std::move(queue_.front());
        queue_.pop_front();
        if (in_flight_->is_status) status_queued_ = false;
        write(in_flight_->cmd + "\n");
        arm_deadline(opt_.command_timeout, "command timeout");
    }

    void complete(Response response) {
        Pending p = std::move(*in_flight_);
        in_flight_.reset();
        ++deadline_seq_;
        deadline_.cancel();
        auto g = gen_;
        if (p.is_status) status_done(response);
        if (g != gen_) return;
        invoke("command", p.done, response.ok, std::move(response.lines));
        if (g != gen_) return;
        dispatch();
    }

    void status_done(const Response& response) {
        if (!response.ok) {
            auto why = response.lines.empty() ? std::string() : response.lines.front();
            log::warn("management status failed", {{"instance", instance_}, {"error", why}});
            return;
        }
        auto parsed = parse_status3(response.lines, instance_);
        if (!parsed.ok()) {
            log::warn("management status unparseable",
                      {{"instance", instance_}, {"error", parsed.error}});
            return;
        }
        sessions_ = std::move(parsed.sessions);
        invoke("sessions", on_sessions_, sessions_);
    }

    void write(std::string data) {
        out_.push_back(std::move(data));  // deque: the buffer being written stays put
        if (!writing_) write_next();
    }

    void write_next() {
        writing_ = true;
        asio::async_write(socket_, asio::buffer(out_.front()),
                          [self = shared_from_this(), g = gen_](error_code ec, std::size_t) {
                              if (g != self->gen_) return;
                              if (ec) return self->connection_lost(ec.message());
                              self->out_.pop_front();
                              if (self->out_.empty()) {
                                  self->writing_ = false;
                              } else {
                                  self->write_next();
                              }
                          });
    }

    stream::socket socket_;
    asio::steady_timer retry_timer_, poll_timer_, deadline_;
    std::uint64_t deadline_seq_ = 0;  // a cancelled deadline may still be queued to run
    std::uint64_t gen_ = 0;           // bumped per connection attempt and teardown
    bool running_ = false;
    bool failure_logged_ = false;
    bool password_sent_ = false;
    LineSplitter splitter_;
    ResponseReader reader_;
    std::array<char, 4096> rbuf_{};
    std::deque<std::string> out_;
    bool writing_ = false;
    std::deque<Pending> queue_;
    std::optional<Pending> in_flight_;
    bool status_queued_ = false;
    std::chrono::milliseconds backoff_;
};

Client::Client(boost::asio::io_context& io, std::string instance, std::string socket_path,
               ClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(instance), std::move(socket_path),
                                   std::move(options))) {}

Client::~Client() {
    impl_->dead_ = true;
    impl_->stop();
    impl_->on_sessions_ = nullptr;
    impl_->on_connection_ = nullptr;
    impl_->on_log_ = nullptr;
}

void Client::start() {
    impl_->start();
}
void Client::stop() {
    impl_->stop();
}
bool Client::connected() const {
    return impl_->state_ == Impl::State::Ready;
}
const std::string& Client::instance() const {
    return impl_->instance_;
}
const std::vector<Session>& Client::sessions() const {
    return impl_->sessions_;
}
void Client::refresh() {
    impl_->refresh();
}

void Client::kill_client(std::uint64_t cid, KillDone done) {
    impl_->kill_client(cid, std::move(done));
}

void Client::kill_address(const std::string& real_address, KillDone done) {
    impl_->kill_address(real_address, std::move(done));
}

void Client::send_command(std::string cmd, CommandDone done) {
    impl_->send_command(std::move(cmd), std::move(done));
}

void Client::on_sessions(std::function<void(const std::vector<Session>&)> callback) {
    impl_->on_sessions_ = std::move(callback);
}

void Client::on_connection_change(std::function<void(bool)> callback) {
    impl_->on_connection_ = std::move(callback);
}

void Client::on_log(std::function<void(std::string_view)> callback) {
    impl_->on_log_ = std::move(callback);
}

}  // namespace warden::mgmt

// A client for one OpenVPN server's management interface (a UNIX socket).
//
// It keeps a connection up (reconnecting with a bounded exponential backoff when
// OpenVPN restarts), polls `status 3` to keep the list of live sessions, and runs
// commands one at a time in the order they were issued. Real-time notifications may
// interleave with responses; they never get matched to a command. ">CLIENT:ESTABLISHED"
// and ">CLIENT:DISCONNECT" trigger an early refresh; `bytecount` and `state` are left off
// (the poll already carries the byte counters); ">LOG:" lines go to on_log() once the
// owner has sent `log on`.
//
// Everything runs on the io_context's thread: call the methods there, and every
// callback is invoked there. A callback is never invoked from inside the call that
// registered it. The Client may be destroyed with operations pending: their callbacks
// are then dropped, not called.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/mgmt/parser.hpp"

namespace warden::mgmt {

struct ClientOptions {
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{2000};
    // Longest wait for the greeting or for one command's answer; past it the connection
    // is dropped (a late answer would otherwise be matched to the next command).
    std::chrono::milliseconds command_timeout{5000};
    std::string password;  // `management PATH unix PWFILE`: the first line of PWFILE
    std::size_t max_line = kDefaultMaxLine;
    std::size_t max_response = kDefaultMaxResponse;
};

class Client {
  public:
    using CommandDone = std::function<void(bool ok, std::vector<std::string> lines)>;
    using KillDone = std::function<void(bool ok, std::string message)>;

    Client(boost::asio::io_context& io, std::string instance, std::string socket_path,
           ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Starts connecting (and keeps reconnecting until stop()).
    void start();
    // Closes the connection; pending commands fail with ok=false.
    void stop();

    // True once the server greeted us (and accepted the password, if any).
    bool connected() const;
    const std::string& instance() const;
    // The list from the last successful `status 3`; empty while disconnected.
    const std::vector<Session>& sessions() const;

    // Queues a `status 3` now (coalesced with one already waiting to be sent).
    void refresh();

    // Two ways to end a session, with different effects (measured on OpenVPN 2.6.14):
    //  - `client-kill CID` sends the client a RESTART: it reconnects at once (and meets
    //    whatever refused it), but the server keeps the old instance until then, or until
    //    its scheduled exit (`scheduled_exit_interval`, 5 s), so it stays in `status`;
    //  - `kill IP:port` halts the server-side instance at once (gone from the next
    //    `status`) without telling the client, which notices only at its ping-restart.
    // `message` is OpenVPN's text after "SUCCESS: "/"ERROR: ", or why nothing was sent.
    void kill_client(std::uint64_t cid, KillDone done);
    // `real_address` as in `status 3` or as wardend keys sessions ("[ip6]:port"). An IPv4
    // "a.b.c.d:port" goes to `kill IP:port` (2.6's syntax; it splits at ':' and has no
    // form for IPv6); any other form is resolved to a client id through sessions() and
    // sent as `client-kill`.
    void kill_address(const std::string& real_address, KillDone done);

    // Any single-line command. ok is false on "ERROR:", on a disconnect, on a timeout,
    // and for a command holding a line break (which would smuggle in a second command).
    // lines: the single answer text, or the body of a multi-line answer.
    void send_command(std::string cmd, CommandDone done);

    void on_sessions(std::function<void(const std::vector<Session>&)> callback);
    void on_connection_change(std::function<void(bool connected)> callback);
    // Real-time log lines (">LOG:" payload: "unix_time,flags,text"), after `log on`.
    void on_log(std::function<void(std::string_view line)> callback);

  private:
    class Impl;
    std::shared_ptr<Impl> impl_;  // shared with in-flight handlers, which may outlive us
};

}  // namespace warden::mgmt

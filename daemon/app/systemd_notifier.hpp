// wardend's side of Type=notify (systemd.service(5), sd_notify(3)): READY=1 once the
// firewall table and the sockets are in place, STATUS= lines, RELOADING=1 on SIGHUP,
// STOPPING=1, and WATCHDOG=1 pings from the event loop, so a loop that hangs stops
// pinging and systemd restarts wardend (WatchdogSec= in the unit). Without NOTIFY_SOCKET
// (not run by systemd) every call is a no-op.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <string>

namespace warden::app {

class SystemdNotifier {
  public:
    // `status` gives the STATUS= text; it is asked on the event loop.
    SystemdNotifier(boost::asio::io_context& io, std::function<std::string()> status);

    // READY=1 with the current status; starts the watchdog pings and status updates.
    void ready();
    void reloading();
    void stopping();  // also stops the timers: the loop can end
    // Sends the status now when it changed since the last one sent.
    void refresh_status();

  private:
    void schedule_watchdog();
    void schedule_status();
    void send(const std::string& message);

    boost::asio::steady_timer watchdog_timer_;
    boost::asio::steady_timer status_timer_;
    std::function<std::string()> status_;
    std::string last_status_;
    std::chrono::microseconds watchdog_interval_{0};
    bool running_ = false;
};

}  // namespace warden::app

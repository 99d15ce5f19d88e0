#include "daemon/app/activity_syslog.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/log.hpp"
#include "daemon/core/activity_syslog_format.hpp"

namespace warden::app {
namespace {

UniqueFd connect_datagram(const std::string& path, int& error) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (!fd || path.size() >= sizeof addr.sun_path) {
        error = fd ? ENAMETOOLONG : errno;
        return {};
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        error = errno;
        return {};
    }
    return fd;
}

}  // namespace

void ActivitySyslog::configure(const core::LogConfig& settings) {
    std::lock_guard lock(mutex_);
    settings_ = settings;
    facility_ = core::syslog_facility(settings.facility).value_or(0);
    fd_.reset();
    if (settings.syslog)
        log::info("activity log to syslog", {{"socket", settings.syslog_socket},
                                             {"facility", settings.facility},
                                             {"ident", settings.ident}});
}

std::unique_ptr<store::Store> ActivitySyslog::watching(std::unique_ptr<store::Store> store) {
    store->on_committed_activity([this](const store::ActivityEntry& entry) { send(entry); });
    return store;
}

void ActivitySyslog::send(const store::ActivityEntry& entry) {
    std::lock_guard lock(mutex_);
    if (!settings_.syslog) return;
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    note_result(send_datagram(core::rfc3164_datagram(facility_, local, settings_.ident, ::getpid(),
                                                     core::activity_syslog_message(entry))));
}

// A full socket drops the entry (the event loop never waits for the syslog daemon); a
// vanished receiver (journald or rsyslog restarted) gets one reconnect.
int ActivitySyslog::send_datagram(const std::string& datagram) {
    int error = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!fd_) fd_ = connect_datagram(settings_.syslog_socket, error);
        if (!fd_) return error;
        const ssize_t n =
            ::send(fd_.get(), datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(datagram.size())) return 0;
        error = n < 0 ? errno : EMSGSIZE;
        if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) return error;
        fd_.reset();
    }
    return error;
}

// One stderr line when sending starts failing and one when it works again.
void ActivitySyslog::note_result(int error) {
    if (error == 0) {
        if (failing_)
            log::info("syslog send resumed",
                      {{"socket", settings_.syslog_socket}, {"dropped", std::to_string(dropped_)}});
        failing_ = false;
        dropped_ = 0;
        return;
    }
    ++dropped_;
    if (failing_) return;
    failing_ = true;
    log::warn("syslog send failed",
              {{"socket", settings_.syslog_socket}, {"error", std::strerror(error)}});
}

}  // namespace warden::app

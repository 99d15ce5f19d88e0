#include "plugin/verdict_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.hpp"

namespace warden::plugin {
namespace {

std::string errno_text(const char* what, const std::string& path) {
    return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// Reason text for auth_failed_reason_file: one line, no control characters, bounded.
std::string reason_line(std::string_view reason) {
    std::string out;
    for (char c : reason.substr(0, 200))
        out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    return out;
}

}  // namespace

std::string write_existing(const std::string& path, std::string_view content) {
    if (path.empty()) return "no file name";
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return errno_text("open", path);
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errno_text("write", path);
        done += static_cast<std::size_t>(n);
    }
    // close() is where IN_CLOSE_WRITE fires and NFS reports errors.
    if (::close(fd.release()) != 0) return errno_text("close", path);
    return {};
}

std::string deliver_deferred(const DeferredTarget& target, const Outcome& outcome) {
    std::string error;
    bool allow = outcome.allow;
    if (target.kind == DeferredTarget::Kind::Auth) {
        if (!allow && !target.reason_file.empty())
            error = write_existing(target.reason_file, reason_line(outcome.reason));
    } else if (allow && !target.config_file.empty()) {
        // The config must be complete before '1' appears: OpenVPN reads it right after.
        error = write_existing(target.config_file, outcome.config);
        if (!error.empty()) allow = false;
    }
    std::string control = write_existing(target.control_file, allow ? "1" : "0");
    if (!control.empty()) return error.empty() ? control : error + "; " + control;
    return error;
}

ControlState read_control(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return ControlState::Unreadable;
    char c = 0;
    ssize_t n;
    do {
        n = ::read(fd.get(), &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ControlState::Unreadable;
    if (n == 0 || c == '2') return ControlState::Pending;
    return ControlState::Decided;  // '0', '1' or junk: OpenVPN's own file check decides
}

}  // namespace warden::plugin

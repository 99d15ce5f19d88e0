#include "common/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.hpp"

namespace warden::text {

std::string normalize_serial(std::string_view serial) {
    std::string out;
    out.reserve(serial.size());
    for (char c : serial) {
        if (c == ':') continue;
        if (c >= '0' && c <= '9') {
            out.push_back(c);
        } else if (c >= 'a' && c <= 'f') {
            out.push_back(c);
        } else if (c >= 'A' && c <= 'F') {
            out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else {
            return {};
        }
    }
    const auto first = out.find_first_not_of('0');
    if (first == std::string::npos) return out.empty() ? std::string{} : std::string{"0"};
    return out.substr(first);
}

std::string normalize_fingerprint(std::string_view fingerprint) {
    constexpr std::size_t kBytes = 32;
    std::string hex;
    hex.reserve(kBytes * 2);
    for (char c : fingerprint) {
        if (c == ':') continue;
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
        const bool digit = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
        if (!digit || hex.size() == kBytes * 2) return {};
        hex.push_back(c);
    }
    if (hex.size() != kBytes * 2) return {};
    std::string out;
    out.reserve(kBytes * 3 - 1);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (i != 0) out.push_back(':');
        out.append(hex, i, 2);
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) return "open " + tmp + ": " + std::strerror(errno);
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string err = std::strerror(errno);
            ::unlink(tmp.c_str());
            return "write " + tmp + ": " + err;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmp.c_str());
        return "sync " + tmp + ": " + err;
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmp.c_str());
        return "rename " + path + ": " + err;
    }
    // The rename lives in the folder: without syncing it, a power loss may bring back the
    // old file (a CRL without the latest revocation).
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "."
                            : slash == 0               ? "/"
                                                       : path.substr(0, slash);
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd || ::fsync(dir_fd.get()) != 0) return "sync " + dir + ": " + std::strerror(errno);
    return {};
}

}  // namespace warden::text

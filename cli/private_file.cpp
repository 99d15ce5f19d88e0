#include "cli/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "cli/client.hpp"

namespace warden::cli {

UniqueFd create_new_private(const std::string& path, int& err) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    err = fd ? 0 : errno;
    return fd;
}

PendingFile::PendingFile(UniqueFd fd, std::string temp, std::string destination)
    : fd_(std::move(fd)), temp_(std::move(temp)), destination_(std::move(destination)) {}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : fd_(std::move(other.fd_)),
      temp_(std::move(other.temp_)),
      destination_(std::move(other.destination_)),
      committed_(std::exchange(other.committed_, true)) {}

PendingFile::~PendingFile() {
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

std::optional<PendingFile> PendingFile::create(const std::string& destination, int& err) {
    // mkostemp: O_CREAT|O_EXCL with mode 0600, so a name planted in between is refused.
    std::string pattern = destination + ".partial-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC));
    if (!fd) {
        err = errno;
        return std::nullopt;
    }
    err = 0;
    return PendingFile(std::move(fd), std::string(name.data()), destination);
}

std::string PendingFile::commit() {
    if (::fsync(fd_.get()) != 0 || ::rename(temp_.c_str(), destination_.c_str()) != 0)
        return "cannot write " + destination_ + ": " + std::strerror(errno);
    committed_ = true;
    fd_.reset();
    return {};
}

std::string write_private_file(const std::string& path, std::string_view content) {
    int err = 0;
    auto file = PendingFile::create(path, err);
    if (!file) return "cannot write " + path + ": " + std::strerror(err);
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t n = ::write(file->fd(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return "cannot write " + path + ": " + std::strerror(errno);
        done += static_cast<std::size_t>(n);
    }
    return file->commit();
}

int exit_for_open_error(int err) {
    return err == EACCES || err == EPERM ? kDenied : kRefused;
}

}  // namespace warden::cli

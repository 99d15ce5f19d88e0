#include "daemon/control/revoked_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "daemon/core/revoked_names.hpp"

namespace warden::control {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// 0755 whatever the umask: OpenVPN opens the files in it (it runs as root in the shipped
// unit; a `user` in server.conf would need the folder readable, and its parents searchable).
void ensure_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) == 0) {
        if (::chmod(dir.c_str(), 0755) != 0) fail("chmod", dir);
        log::info("revoked folder created", {{"path", dir}});
    } else if (errno != EEXIST) {
        fail("mkdir", dir);
    }
}

struct CloseDir {
    void operator()(DIR* d) const { ::closedir(d); }
};

std::vector<std::string> list_names(int dir_fd, const std::string& dir) {
    const int fd = ::dup(dir_fd);  // closedir closes it
    const std::unique_ptr<DIR, CloseDir> d(fd < 0 ? nullptr : ::fdopendir(fd));
    if (!d) {
        if (fd >= 0) ::close(fd);
        fail("opendir", dir);
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string_view name = e->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    if (errno != 0) fail("readdir", dir);
    return names;
}

// An empty file: it exists or it does not, so creating it is atomic without a rename.
void create_name(int dir_fd, const std::string& dir, const std::string& name) {
    const UniqueFd fd(
        ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd || ::fchmod(fd.get(), 0644) != 0) fail("create", dir + "/" + name);
}

void remove_name(int dir_fd, const std::string& dir, const std::string& name) {
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT) return;
    // A folder named like a serial also refuses that certificate (OpenVPN can open it).
    if (errno == EISDIR && ::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) == 0) return;
    fail("remove", dir + "/" + name);
}

}  // namespace

RevokedDirChange sync_revoked_dir(const std::string& dir,
                                  const std::vector<store::RevokedSerial>& revoked) {
    ensure_dir(dir);
    const UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) fail("open", dir);
    std::vector<std::string> serials;
    serials.reserve(revoked.size());
    for (const auto& r : revoked) serials.push_back(r.serial);
    const core::RevokedDirPlan plan =
        core::plan_revoked_dir(serials, list_names(dir_fd.get(), dir));
    if (plan.create.empty() && plan.remove.empty()) return {};
    // Revocations first: a failure half-way leaves more certificates refused, not fewer.
    for (const auto& name : plan.create) create_name(dir_fd.get(), dir, name);
    for (const auto& name : plan.remove) remove_name(dir_fd.get(), dir, name);
    // The entries live in the folder: without this a power loss may lose a revocation.
    if (::fsync(dir_fd.get()) != 0) fail("fsync", dir);
    log::info("revoked folder updated", {{"created", std::to_string(plan.create.size())},
                                         {"removed", std::to_string(plan.remove.size())},
                                         {"path", dir}});
    return {plan.create.size(), plan.remove.size()};
}

}  // namespace warden::control

#include "cli/backup.hpp"

#include <unistd.h>

#include <cstring>

#include "cli/private_file.hpp"

namespace warden::cli {
namespace {

constexpr int kBackupTimeoutMs = 600000;  // a large database takes a while to copy

Response open_failed(const std::string& file, int err) {
    if (err == EEXIST)
        return {kRefused, nullptr, "file: " + file + " exists (use --force to replace it)"};
    return {exit_for_open_error(err), nullptr, "file: " + file + ": " + std::strerror(err)};
}

Response request(const std::string& socket_path, const std::string& file, int fd) {
    return call(socket_path, "backup", json::object{{"file", file}}, kBackupTimeoutMs, fd);
}

}  // namespace

Response backup_to_file(const std::string& socket_path, const std::string& file, bool force) {
    int err = 0;
    if (force) {
        auto pending = PendingFile::create(file, err);
        if (!pending) return open_failed(file, err);
        Response r = request(socket_path, file, pending->fd());
        if (r.exit_code != kDone) return r;  // the temporary file is removed
        if (auto problem = pending->commit(); !problem.empty()) return {kRefused, nullptr, problem};
        return r;
    }
    UniqueFd fd = create_new_private(file, err);
    if (!fd) return open_failed(file, err);
    Response r = request(socket_path, file, fd.get());
    if (r.exit_code != kDone) ::unlink(file.c_str());  // ours: created above, as this user
    return r;
}

}  // namespace warden::cli

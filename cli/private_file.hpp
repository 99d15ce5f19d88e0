// Files wardenctl writes that hold secrets or that a daemon fills for the caller: an
// exported profile (private key), a TOTP QR code (the secret), netmap rules, a backup.
// All are created by wardenctl itself, as the calling user, mode 0600 from the first
// byte, and never through a symlink planted at the destination. One helper for all.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/fd.hpp"

namespace warden::cli {

// Creates `path`, which must not exist (O_CREAT|O_EXCL|O_NOFOLLOW, 0600): the kernel
// checks the caller's rights to the folder. On failure `err` holds errno.
UniqueFd create_new_private(const std::string& path, int& err);

// A 0600 file written under a temporary name in the destination's folder and renamed
// over the destination once complete: readers see the old file or the whole new one,
// and a symlink at the destination is replaced, never followed. Removed unless committed.
class PendingFile {
  public:
    static std::optional<PendingFile> create(const std::string& destination, int& err);
    PendingFile(PendingFile&& other) noexcept;
    PendingFile& operator=(PendingFile&&) = delete;
    ~PendingFile();

    int fd() const { return fd_.get(); }
    const std::string& temp_path() const { return temp_; }
    // fsync, then rename into place. Returns an error text (empty on success).
    std::string commit();

  private:
    PendingFile(UniqueFd fd, std::string temp, std::string destination);
    UniqueFd fd_;
    std::string temp_;
    std::string destination_;
    bool committed_ = false;
};

// Writes `content` to `path` through a PendingFile. Returns an error text.
std::string write_private_file(const std::string& path, std::string_view content);

// Exit status for a failed open (SPEC §13): 4 when the kernel denied the caller, else 1.
int exit_for_open_error(int err);

}  // namespace warden::cli

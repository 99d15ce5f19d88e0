// pki/revoked: the folder OpenVPN reads with `crl-verify DIR dir` (issue 11). OpenVPN
// refuses a certificate when a file named by its serial in decimal exists there
// (core/revoked_names). Unlike crl.pem it needs no CRL of each trusted CA (enrollment CAs
// have none of ours) and has no nextUpdate that could lock every client out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"

namespace warden::control {

struct RevokedDirChange {
    std::size_t created = 0;
    std::size_t removed = 0;
};

// Makes `dir` hold one empty file (0644) per serial of `revoked` and no other serial name
// (core::plan_revoked_dir); creates `dir` (0755) when it is missing. Files are created
// and removed one by one, each visible to OpenVPN at once; the folder is synced once at the
// end. Logs what changed. Throws std::runtime_error when the folder cannot be read or
// changed (what was done before stays done: every file on its own is right).
RevokedDirChange sync_revoked_dir(const std::string& dir,
                                  const std::vector<store::RevokedSerial>& revoked);

}  // namespace warden::control

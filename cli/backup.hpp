// `wardenctl backup FILE [--force]`: wardenctl opens FILE itself, as the calling user
// (the kernel checks their rights; a symlink at FILE is not followed), and hands the
// descriptor to wardend with the request. wardend writes the checked copy into it and
// never touches the path.
#pragma once

#include <string>

#include "cli/client.hpp"

namespace warden::cli {

// Without `force` FILE must not exist; with it the copy goes to a temporary name beside
// FILE and is renamed over it once wardend reports success. On failure nothing is left.
Response backup_to_file(const std::string& socket_path, const std::string& file, bool force);

}  // namespace warden::cli

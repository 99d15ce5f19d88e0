// SIGHUP: re-reads wardend.conf and takes over the keys core::reloadable_keys() names; a
// changed key that needs a restart is logged, an invalid file changes nothing.
#pragma once

#include <string>

#include "daemon/core/config.hpp"

namespace warden::app {

class ConfigReloader {
  public:
    // `live` is the configuration the daemon reads; `path` the file it came from.
    ConfigReloader(core::Config& live, std::string path) : live_(live), path_(std::move(path)) {}

    // "" when the file was read (whatever changed), else why not: the old values stay.
    std::string reload();

  private:
    core::Config& live_;
    std::string path_;
};

}  // namespace warden::app

// Sends each committed activity entry to syslog ([log] syslog = true) for a SIEM: one
// RFC 3164 datagram to a local socket (/dev/log), never blocking. The database stays the
// record: an entry the socket does not take is dropped, and stderr says so once per
// outage ("syslog send failed", then "syslog send resumed dropped=N").
//
// Not syslog(3): its socket is fixed at /dev/log, so a test could not receive the lines.
// Thread-safe: the main connection and the batch writer's may both report entries.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/fd.hpp"
#include "daemon/core/config.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

class ActivitySyslog {
  public:
    explicit ActivitySyslog(const core::LogConfig& settings) { configure(settings); }

    // Takes over new settings (after a reload): the next entry connects anew.
    void configure(const core::LogConfig& settings);
    // Registers on `store` and returns it (for member initialisers); this object must
    // outlive the store.
    std::unique_ptr<store::Store> watching(std::unique_ptr<store::Store> store);
    void send(const store::ActivityEntry& entry);

  private:
    int send_datagram(const std::string& datagram);  // 0 or errno; under mutex_
    void note_result(int error);                     // under mutex_

    std::mutex mutex_;
    core::LogConfig settings_;
    int facility_ = 0;
    UniqueFd fd_;  // connected to settings_.syslog_socket; closed when it fails
    bool failing_ = false;
    std::uint64_t dropped_ = 0;
};

}  // namespace warden::app

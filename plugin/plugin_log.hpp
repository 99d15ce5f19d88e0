// Logging through OpenVPN's plugin_log callback, one line per event in the format of
// common/log.hpp ("level message key=value ...").
//
// OpenVPN's msg() is not thread-safe (with a management interface it also appends to
// the management log history), so only OpenVPN's own thread may call plugin_log.
// Lines from the I/O thread are queued (bounded) and written by OpenVPN's thread at
// the next plugin call; with no callback (tests, misuse) they go to stderr at once.
#pragma once

#include <openvpn/openvpn-plugin.h>

#include <cstddef>
#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/lock_guarded.hpp"
#include "common/log.hpp"

namespace warden::plugin {

class PluginLog {
  public:
    explicit PluginLog(plugin_log_t callback) : callback_(callback) {}

    // OpenVPN's thread only: writes the line now (after anything queued before it).
    void now(log::Level level, std::string_view message,
             std::initializer_list<log::Field> fields = {});
    // Any thread: queued until flush().
    void later(log::Level level, std::string_view message,
               std::initializer_list<log::Field> fields = {});
    // OpenVPN's thread only: writes the queued lines.
    void flush();

  private:
    struct Line {
        log::Level level;
        std::string text;
    };
    struct Queue {
        std::deque<Line> lines;
        std::size_t dropped = 0;
    };
    void write(log::Level level, const std::string& text) const;

    static constexpr std::size_t kMaxQueued = 256;

    plugin_log_t callback_;
    LockGuarded<Queue> queue_;
};

}  // namespace warden::plugin

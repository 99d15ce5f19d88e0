#include "plugin/plugin_log.hpp"

#include <unistd.h>

namespace warden::plugin {
namespace {

constexpr const char* kName = "warden";

openvpn_plugin_log_flags_t flags_for(log::Level level) {
    switch (level) {
        case log::Level::Error:
            return PLOG_ERR;
        case log::Level::Warning:
            return PLOG_WARN;
        case log::Level::Info:
            return PLOG_NOTE;
        case log::Level::Debug:
            return PLOG_DEBUG;
    }
    return PLOG_NOTE;
}

std::string render(log::Level level, std::string_view message,
                   std::initializer_list<log::Field> fields) {
    std::string line = log::format(level, message, fields);
    if (!line.empty() && line.back() == '\n') line.pop_back();  // OpenVPN adds its own
    return line;
}

}  // namespace

void PluginLog::write(log::Level level, const std::string& text) const {
    if (callback_ != nullptr) {
        callback_(flags_for(level), kName, "%s", text.c_str());
        return;
    }
    const std::string line = std::string(kName) + ": " + text + "\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

void PluginLog::now(log::Level level, std::string_view message,
                    std::initializer_list<log::Field> fields) {
    flush();
    write(level, render(level, message, fields));
}

void PluginLog::later(log::Level level, std::string_view message,
                      std::initializer_list<log::Field> fields) {
    std::string text = render(level, message, fields);
    if (callback_ == nullptr) return write(level, text);
    auto queue = queue_.lock();
    if (queue->lines.size() >= kMaxQueued) {
        ++queue->dropped;  // a flapping daemon must not grow OpenVPN's memory
        return;
    }
    queue->lines.push_back(Line{level, std::move(text)});
}

void PluginLog::flush() {
    std::deque<Line> lines;
    std::size_t dropped = 0;
    {
        auto queue = queue_.lock();
        if (queue->lines.empty() && queue->dropped == 0) return;
        lines.swap(queue->lines);
        dropped = std::exchange(queue->dropped, 0);
    }
    for (const auto& line : lines) write(line.level, line.text);
    if (dropped > 0) {
        const std::string n = std::to_string(dropped);
        write(log::Level::Warning,
              render(log::Level::Warning, "log lines dropped", {{"count", n}}));
    }
}

}  // namespace warden::plugin

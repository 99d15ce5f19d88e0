#include "common/log.hpp"

#include <unistd.h>

#include <atomic>

#include "common/lock_guarded.hpp"

namespace warden::log {
namespace {

std::atomic<Level> g_min_level{Level::Info};
LockGuarded<std::string> g_prefix;

std::string_view level_name(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warning:
            return "warning";
        case Level::Error:
            return "error";
    }
    return "info";
}

bool is_control(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v) {
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || is_control(c)) return true;
    }
    return false;
}

}  // namespace

void append_value(std::string& out, std::string_view v) {
    if (!needs_quotes(v)) {
        out.append(v);
        return;
    }
    out.push_back('"');
    for (char c : v) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (is_control(c)) {
            out.append("\\x");
            const char* hex = "0123456789abcdef";
            out.push_back(hex[(c >> 4) & 0xf]);
            out.push_back(hex[c & 0xf]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

void set_min_level(Level level) {
    g_min_level = level;
}

void set_prefix(std::string_view prefix) {
    *g_prefix.lock() = prefix;
}

std::string format(Level level, std::string_view message, std::initializer_list<Field> fields) {
    std::string line;
    {
        const auto prefix = g_prefix.lock();
        if (!prefix->empty()) {
            line.append(*prefix);
            line.append(": ");
        }
    }
    line.append(level_name(level));
    line.push_back(' ');
    line.append(message);
    for (const auto& [k, v] : fields) {
        line.push_back(' ');
        line.append(k);
        line.push_back('=');
        append_value(line, v);
    }
    line.push_back('\n');
    return line;
}

void event(Level level, std::string_view message, std::initializer_list<Field> fields) {
    if (level < g_min_level.load()) return;
    const std::string line = format(level, message, fields);
    // One write() per line so concurrent threads never interleave within a line.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace warden::log

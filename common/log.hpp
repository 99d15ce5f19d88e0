// One line per event on stderr: `LEVEL message key=value ...`. The message text is stable
// (greppable); details go into fields. journald adds the timestamp and unit.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace warden::log {

enum class Level { Debug, Info, Warning, Error };

using Field = std::pair<std::string_view, std::string_view>;

void set_min_level(Level level);
void set_prefix(std::string_view prefix);  // e.g. "warden-plugin"
void event(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// Appends `v` as a field value: bare when it is plain, else in double quotes with `"` and
// `\` escaped and control bytes as \xNN, so a value never forges a field or a line.
void append_value(std::string& out, std::string_view v);

// Formats a line without writing it (exposed for tests).
std::string format(Level level, std::string_view message, std::initializer_list<Field> fields);

inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
    event(Level::Info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
    event(Level::Warning, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
    event(Level::Error, m, f);
}
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
    event(Level::Debug, m, f);
}

}  // namespace warden::log

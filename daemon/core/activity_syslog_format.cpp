#include "daemon/core/activity_syslog_format.hpp"

#include <syslog.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "common/log.hpp"
#include "daemon/core/time_text.hpp"

namespace warden::core {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 12> kFacilities = {{
    {"auth", LOG_AUTH},
    {"authpriv", LOG_AUTHPRIV},
    {"daemon", LOG_DAEMON},
    {"user", LOG_USER},
    {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
}};

// At most kSyslogValueMax bytes, not ending inside a UTF-8 sequence.
std::string_view capped(std::string_view v, bool& truncated) {
    if (v.size() <= kSyslogValueMax) return v;
    truncated = true;
    std::size_t end = kSyslogValueMax;
    while (end > 0 && (static_cast<unsigned char>(v[end]) & 0xc0) == 0x80) --end;
    return v.substr(0, end);
}

}  // namespace

std::optional<int> syslog_facility(std::string_view name) {
    for (const auto& [text, value] : kFacilities)
        if (text == name) return value;
    return std::nullopt;
}

bool syslog_ident_valid(std::string_view ident) {
    if (ident.empty() || ident.size() > 32) return false;
    return std::all_of(ident.begin(), ident.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

std::string activity_syslog_message(const model::ActivityEntry& e) {
    bool truncated = false;
    std::string line = "activity id=" + std::to_string(e.id) + " at=" + iso_utc(e.at);
    const std::pair<std::string_view, std::string_view> fields[] = {
        {"actor", e.actor}, {"action", e.action}, {"object", e.object}, {"details", e.details}};
    for (const auto& [key, value] : fields) {
        line.push_back(' ');
        line.append(key);
        line.push_back('=');
        log::append_value(line, capped(value, truncated));
    }
    if (truncated) line.append(" truncated=1");
    return line;
}

std::string rfc3164_datagram(int facility, const std::tm& local, std::string_view ident, int pid,
                             std::string_view message) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char header[64];
    std::snprintf(header, sizeof header, "<%d>%s %2d %02d:%02d:%02d ", facility | LOG_NOTICE,
                  kMonths[std::clamp(local.tm_mon, 0, 11)], local.tm_mday, local.tm_hour,
                  local.tm_min, local.tm_sec);
    std::string out = header;
    out.append(ident);
    out.append("[" + std::to_string(pid) + "]: ");
    out.append(message);
    return out;
}

}  // namespace warden::core

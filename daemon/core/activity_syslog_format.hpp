// The activity log as syslog lines for a SIEM ([log] syslog = true): one RFC 3164
// datagram per entry, the message in the stderr log's key=value form. Pure: the sender
// (app/activity_syslog) supplies the clock, the pid and the socket.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/model/records.hpp"

namespace warden::core {

// A facility name as syslog.conf spells it: auth, authpriv, daemon, user, local0..local7.
std::optional<int> syslog_facility(std::string_view name);

// An ident (RFC 3164 TAG): 1-32 letters, digits, '.', '_' or '-'.
bool syslog_ident_valid(std::string_view ident);

// A value longer than this is cut (at a UTF-8 boundary) and the line ends truncated=1:
// one entry stays one datagram under rsyslog's default 8 KiB message size.
inline constexpr std::size_t kSyslogValueMax = 1024;

// "activity id=7 at=2026-12-02T11:13:09Z actor=root action=device.add object=laptop
// details=\"group=default\"": fixed keys in a fixed order, values escaped as on stderr
// (log::append_value), so no value can forge a field or a second line.
std::string activity_syslog_message(const model::ActivityEntry& entry);

// "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE" as glibc's syslog(3) sends it to /dev/log;
// `local` is the sending time in local time. Severity is notice (audit events).
std::string rfc3164_datagram(int facility, const std::tm& local, std::string_view ident, int pid,
                             std::string_view message);

}  // namespace warden::core

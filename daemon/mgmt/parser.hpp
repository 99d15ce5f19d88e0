// The OpenVPN management protocol as pure functions over bytes: no sockets, no clocks,
// so every quirk can be tested (and fuzzed) without an OpenVPN process.
//
// What the protocol looks like on the wire (captured from OpenVPN 2.6.14):
//   - lines end in "\r\n"; OpenVPN accepts "\n" from us;
//   - real-time notifications start with '>' (">INFO:", ">CLIENT:ESTABLISHED,7", ...)
//     and may arrive at any moment, even between the lines of a multi-line response;
//   - a command is answered by exactly one "SUCCESS: ..." or "ERROR: ..." line, or by
//     body lines closed by "END" (status, version, help, log all, ...);
//   - with a management password the server first writes "ENTER PASSWORD:" without any
//     line terminator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::mgmt {

inline constexpr std::size_t kDefaultMaxLine = 64 * 1024;
inline constexpr std::size_t kDefaultMaxResponse = 64 * 1024 * 1024;
inline constexpr std::string_view kPasswordPrompt = "ENTER PASSWORD:";

// One row of `status 3`'s CLIENT_LIST.
struct Session {
    // real_address: common/endpoint.hpp's reported() form ("a.b.c.d:port", "[ip6]").
    std::string instance, common_name, real_address, virtual_address, username;
    std::uint64_t bytes_received = 0, bytes_sent = 0;
    std::int64_t connected_since = 0;
    std::uint64_t client_id = 0, peer_id = 0;
};

// Splits a byte stream into lines. A line longer than `max_line` bytes is dropped whole
// (up to its terminator) and counted, so a hostile or broken peer cannot make us buffer
// without bound.
class LineSplitter {
  public:
    explicit LineSplitter(std::size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

    // Appends `bytes` and returns the lines completed by them, without "\n" or "\r\n".
    std::vector<std::string> feed(std::string_view bytes);

    // The unterminated tail seen so far (the password prompt never gets a terminator).
    std::string_view partial() const { return partial_; }
    void clear_partial();
    std::size_t dropped_lines() const { return dropped_; }
    void reset();

  private:
    std::size_t max_line_;
    std::string partial_;
    bool discarding_ = false;  // inside an over-long line: skip to the next '\n'
    std::size_t dropped_ = 0;
};

enum class LineKind {
    Notification,  // ">TYPE:payload"
    Success,       // "SUCCESS: payload"
    Error,         // "ERROR: payload"
    End,           // "END"
    Body,          // anything else: a line of a multi-line response
};

struct Line {
    LineKind kind = LineKind::Body;
    std::string_view type;     // notifications only: "INFO", "CLIENT", "LOG", ...
    std::string_view payload;  // text after the prefix (after "SUCCESS: ", ">INFO:", ...)
};

// Views into `line`; valid as long as `line` is.
Line classify(std::string_view line);

// A complete answer to one command. Single-line answers carry their text (without the
// "SUCCESS: "/"ERROR: " prefix) as the only element of `lines`; multi-line answers carry
// their body lines (without "END") and are ok unless they grew past the size limit.
struct Response {
    bool ok = false;
    std::vector<std::string> lines;
};

// Assembles responses from the non-notification lines of the stream (the caller filters
// notifications out first, which is what lets them interleave with a response body).
class ResponseReader {
  public:
    explicit ResponseReader(std::size_t max_bytes = kDefaultMaxResponse) : max_bytes_(max_bytes) {}

    // Returns the response completed by `line`, if any. `line` must not be a notification.
    std::optional<Response> push(std::string_view line);
    bool in_body() const { return in_body_; }
    void reset();

  private:
    std::size_t max_bytes_;
    bool in_body_ = false;
    bool overflow_ = false;
    std::size_t bytes_ = 0;
    std::vector<std::string> body_;
};

struct StatusResult {
    std::vector<Session> sessions;
    std::string error;  // empty on success
    bool ok() const { return error.empty(); }
};

// Parses the body of a `status 3` response (tab separated). Columns are located by the
// names in "HEADER\tCLIENT_LIST\t..." so added or moved columns do not break us; without
// that header the OpenVPN 2.6 order is assumed. A malformed CLIENT_LIST row makes the
// whole result an error: a partial list would make the missing sessions look ended.
// `instance` is copied into every Session. Username "UNDEF" (OpenVPN's "none") becomes "".
StatusResult parse_status3(const std::vector<std::string>& body, std::string_view instance = {});

// True for "a.b.c.d:port", the only real-address form OpenVPN 2.6's `kill` accepts.
bool is_ipv4_endpoint(std::string_view address);

// One line of OpenVPN's log as `log N` and ">LOG:" give it: "unix_time,flags,text" (the
// text may hold commas). nullopt when the line does not have that shape.
struct LogLine {
    std::int64_t time = 0;
    std::string flags;  // I info, W warning, N non-fatal error, F fatal, D debug
    std::string text;
};
std::optional<LogLine> parse_log_line(std::string_view line);

}  // namespace warden::mgmt

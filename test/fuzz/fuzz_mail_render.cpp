// Arbitrary message fields (split at NUL: from, to, subject, body, Message-ID domain, from
// name) through render(): never a crash, and whatever renders has exactly the fixed header
// set once each (so exactly one To), CRLF line endings only, and lines of <= 998 octets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/mail/message.hpp"

namespace {

constexpr std::string_view kHeaders[] = {
    "Date",       "From",         "To",           "Subject",
    "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};

// Checks the header block (up to the empty line); false on any violation.
bool headers_are_the_fixed_set(std::string_view head) {
    std::size_t next = 0;  // index in kHeaders expected next
    for (std::size_t start = 0; start < head.size();) {
        const std::size_t end = head.find("\r\n", start);
        if (end == std::string_view::npos) return false;
        const std::string_view line = head.substr(start, end - start);
        if (line.empty()) return false;
        if (line[0] == ' ') {
            if (next == 0) return false;  // a continuation needs a header before it
        } else {
            if (next == std::size(kHeaders)) return false;
            const std::string_view name = kHeaders[next++];
            if (line.substr(0, name.size() + 2) != std::string(name) + ": ") return false;
        }
        start = end + 2;
    }
    return next == std::size(kHeaders);
}

bool crlf_only_and_short_lines(std::string_view text) {
    std::size_t line = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            if (i + 1 == text.size() || text[i + 1] != '\n') return false;
            ++i;
            line = 0;
        } else if (text[i] == '\n' || text[i] == '\0') {
            return false;
        } else if (++line > 998) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string fields[6];
    for (std::string& field : fields) {
        const std::size_t nul = input.find('\0');
        field = std::string(input.substr(0, nul));
        input = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
    }
    warden::mail::MailMessage m;
    m.from = fields[0];
    m.to = fields[1];
    m.subject = fields[2];
    m.body = fields[3];
    m.from_name = fields[5];
    std::string error;
    const auto out = warden::mail::render(m, 1796186003, fields[4], error);
    if (!out) {
        if (error.empty()) __builtin_trap();
        return 0;
    }
    const std::size_t blank = out->find("\r\n\r\n");
    if (blank == std::string::npos) __builtin_trap();
    if (!headers_are_the_fixed_set(std::string_view(*out).substr(0, blank + 2))) __builtin_trap();
    if (!crlf_only_and_short_lines(*out)) __builtin_trap();
    if (out->find("\r\nTo: " + m.to + "\r\n") == std::string::npos) __builtin_trap();
    return 0;
}

// RFC 5322 rendering of one text/plain message; see message.hpp for the guarantees.
#include "daemon/mail/message.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace warden::mail {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxLine = 998;      // RFC 5322 2.1.1, octets without CRLF
constexpr std::size_t kMaxSubject = 1000;  // octets of UTF-8 before encoding
constexpr std::size_t kMaxWordInput = 45;  // 45 octets -> 60 base64 chars -> 72-char word
constexpr std::size_t kQpLine = 76;        // RFC 2045 6.7 (5)

bool is_atext(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
           std::string_view::npos;
}

bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

// Why `address` is not one plain addr-spec, judged on its characters alone.
std::optional<std::string> forbidden_character(std::string_view address) {
    for (unsigned char c : address) {
        if (c == '\r' || c == '\n' || c == '\0') return "contains CR, LF or NUL";
        if (is_control(c)) return "contains a control character";
        if (c == ' ' || c == '\t') return "contains whitespace";
        if (c == ',' || c == ';') return "more than one address (',' or ';')";
        if (c == '<' || c == '>') return "angle brackets are not allowed (address only)";
        if (c == '"' || c == '(' || c == ')' || c == '\\' || c == '[' || c == ']' || c == ':')
            return "quotes, comments, literals or groups are not allowed";
        if (c >= 0x80) return "non-ASCII addresses are not supported";
    }
    return std::nullopt;
}

bool valid_local_part(std::string_view local) {
    if (local.empty() || local.size() > 64) return false;
    if (local.front() == '.' || local.back() == '.') return false;
    if (local.find("..") != std::string_view::npos) return false;
    for (unsigned char c : local)
        if (c != '.' && !is_atext(c)) return false;
    return true;
}

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8);
        for (int shift : {18, 12, 6}) out += kAlphabet[(v >> shift) & 63];
        out += '=';
    }
    return out;
}

// Length of the UTF-8 sequence starting with `lead` (valid_utf8 has checked the rest).
std::size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xf0) return 4;
    if (lead >= 0xe0) return 3;
    return 2;
}

bool plain_header_text(std::string_view text) {
    if (text.find("=?") != std::string_view::npos) return false;  // would read as a word
    for (unsigned char c : text)
        if (c < 0x20 || c >= 0x7f) return false;
    return true;
}

// A display name safe as an unquoted phrase: atext words separated by single spaces.
bool plain_phrase(std::string_view name) {
    if (name.empty() || name.front() == ' ' || name.back() == ' ') return false;
    if (name.find("  ") != std::string_view::npos || name.find("=?") != std::string_view::npos)
        return false;
    for (unsigned char c : name)
        if (c != ' ' && !is_atext(c)) return false;
    return true;
}

std::optional<std::string> check_header_text(std::string_view what, std::string_view text) {
    for (unsigned char c : text)
        if (is_control(c)) return std::string(what) + " contains a control character";
    if (!valid_utf8(text)) return std::string(what) + " is not valid UTF-8";
    if (text.size() > kMaxSubject) return std::string(what) + " is too long";
    return std::nullopt;
}

// Every line break (CRLF, lone CR, lone LF) as CRLF; the result ends with CRLF.
std::string normalize_line_breaks(std::string_view body) {
    std::string out;
    out.reserve(body.size() + body.size() / 32 + 2);
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '\r') {
            if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
            out += kCrlf;
        } else if (c == '\n') {
            out += kCrlf;
        } else {
            out += c;
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, kCrlf) != 0) out += kCrlf;
    return out;
}

bool has_long_line(std::string_view crlf_text) {
    std::size_t start = 0;
    while (start < crlf_text.size()) {
        const std::size_t end = crlf_text.find(kCrlf, start);
        if (end - start > kMaxLine) return true;
        start = end + 2;
    }
    return false;
}

// Quoted-printable (RFC 2045 6.7) of CRLF-terminated lines; a leading '.' is encoded too
// so no line of the output is a lone "." whatever the transport does.
std::string quoted_printable(std::string_view crlf_text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t start = 0;
    while (start < crlf_text.size()) {
        const std::size_t end = crlf_text.find(kCrlf, start);
        std::size_t column = 0;
        for (std::size_t i = start; i < end; ++i) {
            const unsigned char c = crlf_text[i];
            const bool plain =
                (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && i + 1 != end);
            if (column + (plain ? 1 : 3) > kQpLine - 1) {  // room for the soft break "="
                out += "=\r\n";
                column = 0;
            }
            const bool literal = plain && !(c == '.' && column == 0);
            const std::size_t width = literal ? 1 : 3;
            if (literal) {
                out += static_cast<char>(c);
            } else {
                out += '=';
                out += kHex[c >> 4];
                out += kHex[c & 15];
            }
            column += width;
        }
        out += kCrlf;
        start = end + 2;
    }
    return out;
}

std::uint64_t fnv1a(std::uint64_t hash, std::string_view data) {
    for (unsigned char c : data) hash = (hash ^ c) * 0x100000001b3ULL;
    return (hash ^ 0xff) * 0x100000001b3ULL;  // 0xff never occurs in UTF-8: field separator
}

std::string message_id(const MailMessage& m, std::time_t date, const std::string& domain) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::string_view part : {std::string_view(m.from), std::string_view(m.to),
                                  std::string_view(m.subject), std::string_view(m.body)})
        h = fnv1a(h, part);
    const std::string seq = std::to_string(m.sequence);
    h = fnv1a(h, seq);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return "<" + std::to_string(static_cast<long long>(date)) + "." + seq + "." + hex + "@" +
           domain + ">";
}

}  // namespace

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char lead = text[i];
        std::size_t n;
        std::uint32_t cp;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xc2 && lead <= 0xdf) {
            n = 2;
            cp = lead & 0x1f;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            n = 3;
            cp = lead & 0x0f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            n = 4;
            cp = lead & 0x07;
        } else
            return false;
        if (i + n > text.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const unsigned char c = text[i + k];
            if ((c & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3f);
        }
        const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n;
    }
    return true;
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = domain.find('.', start);
        const std::string_view label = domain.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (unsigned char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-'))
                return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

bool valid_address(std::string_view address, std::string& error) {
    if (address.empty()) {
        error = "empty address";
        return false;
    }
    if (auto why = forbidden_character(address)) {
        error = *why;
        return false;
    }
    if (address.size() > 254) {
        error = "address longer than 254 octets";
        return false;
    }
    const std::size_t at = address.find('@');
    if (at == std::string_view::npos) {
        error = "no '@' in address";
        return false;
    }
    if (!valid_local_part(address.substr(0, at))) {
        error = "invalid local part (before '@')";
        return false;
    }
    const std::string_view domain = address.substr(at + 1);
    if (!valid_domain(domain) || domain.find('.') == std::string_view::npos) {
        error = "invalid domain (after '@')";
        return false;
    }
    return true;
}

std::string rfc5322_date(std::time_t date) {
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&date, &tm);
    char out[64];
    std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return out;
}

std::string encoded_words(std::string_view utf8, std::size_t first_line_used) {
    constexpr std::size_t kWordFrame = 12;  // "=?UTF-8?B?" + "?="
    std::string out;
    std::size_t used = first_line_used, i = 0;
    while (i < utf8.size()) {
        // Octets that fit in a 78-column line as base64 (4 chars per 3 octets), at most
        // kMaxWordInput (a 75-char word), at least one character of up to 4 octets.
        const std::size_t room = used + kWordFrame + 8 < 78 ? (78 - used - kWordFrame) / 4 * 3 : 6;
        const std::size_t limit = std::min(kMaxWordInput, room);
        std::size_t end = i;
        while (end < utf8.size()) {
            const std::size_t n = utf8_length(static_cast<unsigned char>(utf8[end]));
            if (end + n - i > limit) break;
            end += n;
        }
        if (!out.empty()) out += "\r\n ";  // folding: each further word on its own line
        out += "=?UTF-8?B?" + base64(utf8.substr(i, end - i)) + "?=";
        used = 1;
        i = end;
    }
    return out;
}

std::string encode_header_words(std::string_view utf8, std::size_t first_line_used) {
    if (plain_header_text(utf8) && first_line_used + utf8.size() <= 78) return std::string(utf8);
    return encoded_words(utf8, first_line_used);
}

std::optional<std::string> render(const MailMessage& m, std::time_t date,
                                  const std::string& message_id_domain, std::string& error) {
    std::string why;
    if (!valid_address(m.from, why)) return error = "from: " + why, std::nullopt;
    if (!valid_address(m.to, why)) return error = "to: " + why, std::nullopt;
    if (!valid_domain(message_id_domain))
        return error = "message-id domain: invalid host name", std::nullopt;
    if (auto bad = check_header_text("subject", m.subject)) return error = *bad, std::nullopt;
    if (auto bad = check_header_text("from name", m.from_name)) return error = *bad, std::nullopt;
    if (m.body.find('\0') != std::string::npos) return error = "body contains NUL", std::nullopt;
    if (!valid_utf8(m.body)) return error = "body is not valid UTF-8", std::nullopt;

    std::string from = m.from;
    if (!m.from_name.empty()) {
        const std::string name = plain_phrase(m.from_name) && m.from_name.size() <= 60
                                     ? m.from_name
                                     : encoded_words(m.from_name, 6);
        from = name + " <" + m.from + ">";
    }
    std::string body = normalize_line_breaks(m.body);
    const bool qp = has_long_line(body);
    if (qp) body = quoted_printable(body);

    std::string out;
    out.reserve(body.size() + 512);
    auto header = [&out](std::string_view name, std::string_view value) {
        out.append(name).append(": ").append(value).append(kCrlf);
    };
    header("Date", rfc5322_date(date));
    header("From", from);
    header("To", m.to);
    header("Subject", encode_header_words(m.subject, 9));
    header("Message-ID", message_id(m, date, message_id_domain));
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=utf-8");
    header("Content-Transfer-Encoding", qp ? "quoted-printable" : "8bit");
    out += kCrlf;
    out += body;
    return out;
}

}  // namespace warden::mail

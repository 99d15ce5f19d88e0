// One outgoing e-mail as an RFC 5322 message (issue 10). Pure: no I/O, no logging.
// Every field may come from stored data (user names, addresses typed by operators), so
// render() refuses anything that could add a header line or a recipient: addresses are a
// single strict addr-spec, the subject carries no control character, and the body's line
// breaks are all normalised to CRLF inside the body part.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace warden::mail {

struct MailMessage {
    std::string from;       // addr-spec only: "warden@vpn.example.org"
    std::string from_name;  // optional display name, any UTF-8 ("Wärden VPN")
    std::string to;         // exactly one addr-spec
    std::string subject;    // UTF-8, no control characters
    std::string body;       // UTF-8 text; LF, CR or CRLF line breaks
    // Mixed into the Message-ID so two equal messages in the same second differ; the
    // queue will pass its row id, which keeps the id stable across retries.
    std::uint64_t sequence = 0;
};

// A single ASCII addr-spec "local@domain": dot-atom local part (<= 64 octets), a DNS host
// name as domain, <= 254 octets in all. No display name, brackets, quotes, comments,
// commas, whitespace or control characters. Returns false with a reason in `error`.
bool valid_address(std::string_view address, std::string& error);

// A DNS host name (letters, digits, hyphens; dot-separated labels of 1-63 octets).
bool valid_domain(std::string_view domain);

// The full message (headers + body, CRLF line endings), or nullopt with a reason.
std::optional<std::string> render(const MailMessage& message, std::time_t date,
                                  const std::string& message_id_domain, std::string& error);

// Pieces of render(), public for tests.
std::string rfc5322_date(std::time_t date);  // "Wed, 02 Dec 2026 04:33:23 +0000"
// `utf8` as RFC 2047 B words (folded, lines <= 78 columns); the first line already holds
// `first_line_used` columns ("Subject: " is 9). encode_header_words() keeps short
// printable ASCII as it is.
std::string encoded_words(std::string_view utf8, std::size_t first_line_used);
std::string encode_header_words(std::string_view utf8, std::size_t first_line_used);
bool valid_utf8(std::string_view text);

}  // namespace warden::mail

// Sending one rendered message through an SMTP relay with libcurl (issue 10). Blocking:
// meant for the mail worker thread. No logging here; the caller logs the SendResult.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::mail {

enum class SmtpSecurity {
    none,      // plain SMTP; refuses to send credentials
    starttls,  // smtp:// + STARTTLS required (CURLUSESSL_ALL), usually port 587
    tls,       // smtps:// (implicit TLS), usually port 465
};

// "none" | "starttls" | "tls"
std::optional<SmtpSecurity> parse_smtp_security(std::string_view text);

struct SmtpSettings {
    std::string host;  // host name or IP address (IPv6 without brackets)
    std::uint16_t port = 587;
    SmtpSecurity security = SmtpSecurity::starttls;
    std::string user;      // empty: no AUTH
    std::string password;  // read from a password file by the caller, never from config
    std::string ca_file;   // empty: the system trust store; the server cert is always verified
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // whole transaction
    // When set and true, a transaction under way is abandoned within about a second
    // (a temporary failure): the mail worker's stop.
    const std::atomic<bool>* cancel = nullptr;
};

enum class SendStatus {
    ok,
    temporary,  // retry later: no connection, timeout, TLS trouble, 4xx, bad settings
    permanent,  // drop the message: 5xx from the server or an invalid address
};

struct SendResult {
    SendStatus status = SendStatus::temporary;
    long smtp_code = 0;       // last reply code from the server, 0 when none
    std::string curl_error;   // curl's own text, empty on success
    std::string server_text;  // last reply line from the server (without CRLF)
    // One line for the log: "status=permanent code=535 error=\"...\" reply=\"...\"".
    std::string describe() const;
};

// Initialises libcurl once (thread-safe through std::call_once); send_mail() calls it,
// the daemon may call it at startup before it starts threads.
void init_curl_once();

// Sends `rendered` (from render()) to `rcpt`, with `envelope_from` as MAIL FROM. Both
// addresses are checked with valid_address() first, so nothing reaches the SMTP command
// line that could add a command or a recipient.
SendResult send_mail(const SmtpSettings& settings, const std::string& envelope_from,
                     const std::string& rcpt, const std::string& rendered);

}  // namespace warden::mail

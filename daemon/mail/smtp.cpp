// libcurl SMTP client for one message; see smtp.hpp.
#include "daemon/mail/smtp.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "daemon/mail/message.hpp"

namespace warden::mail {
namespace {

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using CurlList = std::unique_ptr<curl_slist, SlistDeleter>;

constexpr std::size_t kMaxServerText = 300;

struct Upload {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
    std::memcpy(buffer, upload->data.data() + upload->offset, n);
    upload->offset += n;
    return n;
}

// The server's reply lines arrive through the header callback; the last one explains a
// failure, except the "221" that answers the QUIT curl sends after it. Kept printable and
// short: it goes into one log line.
std::size_t keep_reply(char* data, std::size_t size, std::size_t count, void* user) {
    auto* text = static_cast<std::string*>(user);
    std::string line;
    for (std::size_t i = 0; i < size * count && line.size() < kMaxServerText; ++i) {
        const unsigned char c = data[i];
        if (c == '\r' || c == '\n') break;
        line += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    if (!line.empty() && line.rfind("221", 0) != 0) *text = std::move(line);
    return size * count;
}

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    return std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == ':';
    });
}

std::string url_for(const SmtpSettings& s) {
    const std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
    const char* scheme = s.security == SmtpSecurity::tls ? "smtps://" : "smtp://";
    return scheme + host + ":" + std::to_string(s.port);
}

SendResult failure(SendStatus status, std::string why) {
    SendResult r;
    r.status = status;
    r.curl_error = std::move(why);
    return r;
}

// Settings that cannot work; the message itself may be fine, so the caller retries later.
std::optional<std::string> settings_problem(const SmtpSettings& s) {
    if (!valid_host(s.host)) return "invalid SMTP host";
    if (s.port == 0) return "invalid SMTP port";
    if (s.timeout.count() <= 0) return "invalid SMTP timeout";
    if (s.security == SmtpSecurity::none && !s.user.empty())
        return "refusing to send SMTP credentials without TLS (security=none)";
    return std::nullopt;
}

SendStatus classify(CURLcode code, long smtp_code) {
    if (code == CURLE_OK) return SendStatus::ok;
    if (smtp_code >= 500 && smtp_code <= 599) return SendStatus::permanent;
    return SendStatus::temporary;  // 4xx, no connection, timeout, TLS, anything else
}

// curl calls it about once a second even while nothing moves; non-zero aborts.
int cancel_check(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
}

void set_options(CURL* curl, const SmtpSettings& s, const std::string& url) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // worker thread: no SIGALRM
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count()));
    if (s.security != SmtpSecurity::none) curl_easy_setopt(curl, CURLOPT_USE_SSL, CURLUSESSL_ALL);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!s.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, s.ca_file.c_str());
    if (s.cancel) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, cancel_check);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s.cancel);
    }
    if (!s.user.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, s.user.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, s.password.c_str());
    }
}

}  // namespace

std::optional<SmtpSecurity> parse_smtp_security(std::string_view text) {
    if (text == "none") return SmtpSecurity::none;
    if (text == "starttls") return SmtpSecurity::starttls;
    if (text == "tls") return SmtpSecurity::tls;
    return std::nullopt;
}

std::string SendResult::describe() const {
    const char* name = status == SendStatus::ok          ? "ok"
                       : status == SendStatus::temporary ? "temporary"
                                                         : "permanent";
    return std::string("status=") + name + " code=" + std::to_string(smtp_code) + " error=\"" +
           curl_error + "\" reply=\"" + server_text + "\"";
}

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

SendResult send_mail(const SmtpSettings& settings, const std::string& envelope_from,
                     const std::string& rcpt, const std::string& rendered) {
    std::string why;
    if (!valid_address(envelope_from, why))
        return failure(SendStatus::permanent, "envelope from: " + why);
    if (!valid_address(rcpt, why)) return failure(SendStatus::permanent, "recipient: " + why);
    if (auto problem = settings_problem(settings)) return failure(SendStatus::temporary, *problem);

    init_curl_once();
    CurlHandle curl(curl_easy_init());
    if (!curl) return failure(SendStatus::temporary, "curl_easy_init failed");
    const std::string url = url_for(settings);
    set_options(curl.get(), settings, url);

    const std::string mail_from = "<" + envelope_from + ">";
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, mail_from.c_str());
    CurlList recipients(curl_slist_append(nullptr, ("<" + rcpt + ">").c_str()));
    if (!recipients) return failure(SendStatus::temporary, "out of memory");
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, recipients.get());

    Upload upload{rendered};
    curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl.get(), CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl.get(), CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(rendered.size()));

    SendResult result;
    curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, keep_reply);
    curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &result.server_text);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);

    const CURLcode code = curl_easy_perform(curl.get());
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &result.smtp_code);
    result.status = classify(code, result.smtp_code);
    if (code != CURLE_OK) result.curl_error = error[0] ? error : curl_easy_strerror(code);
    return result;
}

}  // namespace warden::mail

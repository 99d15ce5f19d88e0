#include "daemon/http/tr_page.hpp"

#include <algorithm>
#include <ctime>

namespace warden::http {
namespace {

// One small stylesheet for every page: readable on a phone (viewport, fluid width,
// a large button), follows the system's dark mode, system fonts only.
constexpr std::string_view kStyle = R"(:root{color-scheme:light dark}
body{margin:0;padding:1rem;font:1.05rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#1f2937}
main{max-width:32rem;margin:2rem auto 1rem;background:#fff;border-radius:12px;padding:1.5rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem}
p{margin:0 0 1rem}
dl{margin:0 0 1.25rem}
dt{color:#6b7280;font-size:.875rem}
dd{margin:0 0 .75rem;font-weight:600;overflow-wrap:anywhere}
button{width:100%;padding:.9rem 1rem;font:inherit;font-weight:600;color:#fff;background:#2563eb;border:0;border-radius:8px;cursor:pointer}
button:hover,button:focus{background:#1d4ed8}
.note{color:#6b7280;font-size:.875rem;margin:1rem 0 0}
.ok{color:#15803d}
.warn{color:#b45309}
footer{text-align:center;color:#9ca3af;font-size:.8rem}
@media (prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}main{background:#1f2937}dt,.note{color:#9ca3af}}
)";

HttpResponse page(unsigned status, std::string_view title, const std::string& content) {
    HttpResponse res;
    res.status = status;
    res.content_type = "text/html; charset=utf-8";
    res.body =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n<title>";
    res.body += html_escape(title);
    res.body += " - warden</title>\n<style>\n";
    res.body += kStyle;
    res.body += "</style>\n</head>\n<body>\n<main>\n<h1>";
    res.body += html_escape(title);
    res.body += "</h1>\n";
    res.body += content;
    res.body += "</main>\n<footer>warden VPN access</footer>\n</body>\n</html>\n";
    return res;
}

std::string paragraph(std::string_view text, std::string_view css_class = {}) {
    std::string out = "<p";
    if (!css_class.empty()) out += " class=\"" + std::string(css_class) + "\"";
    return out + ">" + html_escape(text) + "</p>\n";
}

// Device and effect of a Valid token, as a definition list.
std::string token_details(const TokenView& view) {
    std::string out =
        "<dl>\n<dt>Device</dt><dd id=\"device\">" + html_escape(view.device) + "</dd>\n";
    if (!view.effect.empty())
        out +=
            "<dt>Confirming releases</dt><dd id=\"effect\">" + html_escape(view.effect) + "</dd>\n";
    return out + "</dl>\n";
}

// A Valid token that the service will not release now (e.g. outside its window).
HttpResponse refused_page(unsigned status, const TokenView& view) {
    return page(status, "Access cannot be released now",
                token_details(view) + paragraph(view.refusal, "warn"));
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string utc_text(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    if (!::gmtime_r(&t, &tm)) return "(unknown time)";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

HttpResponse tr_lookup_page(const TokenView& view, std::string_view token) {
    if (view.state != TokenState::Valid) return tr_state_page(view.state);
    if (!view.refusal.empty()) return refused_page(200, view);
    // The form posts to the page's own URL, relative, so it works behind a proxy's prefix.
    const std::string form = "<form method=\"post\" action=\"" + html_escape(token) +
                             "\">\n<button type=\"submit\" id=\"confirm\">Confirm access</button>"
                             "\n</form>\n";
    return page(200, "Confirm VPN access",
                paragraph("Confirming releases VPN access for this device:") + token_details(view) +
                    form +
                    paragraph("Opening this page changes nothing: only the button releases "
                              "access. The link works once.",
                              "note"));
}

HttpResponse tr_confirm_page(const TokenView& view) {
    if (view.state == TokenState::Valid) return refused_page(409, view);
    if (view.state != TokenState::Released) return tr_state_page(view.state);
    std::string content =
        "<dl>\n<dt>Device</dt><dd id=\"device\">" + html_escape(view.device) + "</dd>\n";
    if (view.until > 0)
        content += "<dt>Released until</dt><dd id=\"until\">" + utc_text(view.until) + "</dd>\n";
    content += "</dl>\n";
    content += paragraph("The device may connect now. This link is used up.", "ok");
    return page(200, "Access released", content);
}

HttpResponse tr_state_page(TokenState state) {
    switch (state) {
        case TokenState::Used:
            return page(410, "Link already used",
                        paragraph("This link has already been used: each link works once. "
                                  "For access again, let the device connect: a new mail is "
                                  "sent."));
        case TokenState::Expired:
            return page(410, "Link expired",
                        paragraph("This link has expired. Let the device connect again to "
                                  "receive a new mail."));
        case TokenState::Valid:
        case TokenState::Released:
        case TokenState::Unknown:
            break;
    }
    return page(404, "Link not valid",
                paragraph("This link is not valid. Check that you opened the whole link from "
                          "the mail."));
}

HttpResponse home_page() {
    return page(200, "warden",
                paragraph("This server confirms time-restricted VPN access. Open the link "
                          "from your mail."));
}

HttpResponse not_found_page() {
    return page(404, "Page not found", paragraph("There is no page at this address."));
}

HttpResponse too_many_attempts_page(std::chrono::milliseconds retry_after) {
    const auto seconds = std::max<long long>(1, (retry_after.count() + 999) / 1000);
    auto res = page(429, "Too many attempts",
                    paragraph("Too many attempts from your address. Try again in " +
                              std::to_string(seconds) + " s."));
    res.headers.emplace_back("Retry-After", std::to_string(seconds));
    return res;
}

}  // namespace warden::http

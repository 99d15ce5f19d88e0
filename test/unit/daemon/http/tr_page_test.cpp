// The confirmation pages as HTML (issue 10): every state, escaping of operator text,
// nothing loaded from anywhere (no scripts, images, fonts, stylesheets or links out).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "daemon/http/tr_page.hpp"

using namespace warden::http;

namespace {

const std::string kToken = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

TokenView valid(std::string device = "router-7") {
    TokenView v;
    v.state = TokenState::Valid;
    v.device = std::move(device);
    v.effect = "access until 2026-12-02 17:00 UTC";
    return v;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// The markup of a page: its tags and its stylesheet, without the text between tags
// (escaped text cannot open a tag, and text is never fetched).
std::string markup_of(const std::string& html) {
    std::string out;
    bool in_style = false;
    for (std::size_t at = 0; at < html.size();) {
        const auto open = in_style ? html.find("</style>", at) : html.find('<', at);
        if (open == std::string::npos) break;
        if (in_style) out += html.substr(at, open - at);
        const auto close = html.find('>', open);
        if (close == std::string::npos) return out + html.substr(open);
        const auto tag = html.substr(open, close + 1 - open);
        out += tag + "\n";
        in_style = tag.rfind("<style", 0) == 0;
        at = close + 1;
    }
    return out;
}

// Everything in a page's markup that could make a browser fetch something or run code.
std::vector<std::string> external_references(const std::string& page) {
    std::string html = markup_of(page);
    std::transform(html.begin(), html.end(), html.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::vector<std::string> found;
    for (const char* needle : {"http:", "https:", "//", "src=", "href=", "srcset", "url(",
                               "@import", "@font-face", "<script", "<link", "<img", "<iframe",
                               "<object", "<embed", "<svg", "<base", "javascript:", " on"}) {
        // " on" catches event-handler attributes (onload=, onclick=) but also prose:
        // only "on" followed by letters and '=' counts.
        if (std::string(needle) == " on") {
            for (auto at = html.find(" on"); at != std::string::npos;
                 at = html.find(" on", at + 1)) {
                auto end = at + 3;
                while (end < html.size() && std::isalpha(static_cast<unsigned char>(html[end])))
                    ++end;
                if (end < html.size() && html[end] == '=') found.push_back(html.substr(at, 12));
            }
        } else if (html.find(needle) != std::string::npos) {
            found.push_back(needle);
        }
    }
    return found;
}

std::vector<HttpResponse> every_page() {
    TokenView refused = valid();
    refused.refusal = "outside the window (08:00-17:00 UTC)";
    TokenView released = valid();
    released.state = TokenState::Released;
    released.until = 1796230800;
    return {tr_lookup_page(valid(), kToken),
            tr_lookup_page(refused, kToken),
            tr_confirm_page(released),
            tr_confirm_page(refused),
            tr_state_page(TokenState::Used),
            tr_state_page(TokenState::Expired),
            tr_state_page(TokenState::Unknown),
            home_page(),
            not_found_page(),
            too_many_attempts_page(std::chrono::seconds(20))};
}

}  // namespace

TEST_CASE("tr page: html_escape escapes the five HTML specials") {
    CHECK(html_escape("<a href=\"x\">'&'</a>") ==
          "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    CHECK(html_escape("plain text, äöü") == "plain text, äöü");
}

TEST_CASE("tr page: a valid token shows the device, the effect and one confirm button") {
    const auto res = tr_lookup_page(valid(), kToken);
    CHECK(res.status == 200);
    CHECK(res.content_type == "text/html; charset=utf-8");
    CHECK(res.body.find("router-7") != std::string::npos);
    CHECK(res.body.find("access until 2026-12-02 17:00 UTC") != std::string::npos);
    CHECK(count(res.body, "<button") == 1);
    CHECK(count(res.body, "<form") == 1);
    // A POST to the page's own URL (relative: works under a proxy's path prefix).
    CHECK(res.body.find("<form method=\"post\" action=\"" + kToken + "\">") != std::string::npos);
    CHECK(res.body.find("name=\"viewport\"") != std::string::npos);
}

TEST_CASE("tr page: a valid token outside its window shows the refusal and no button") {
    TokenView v = valid();
    v.refusal = "outside the window (08:00-17:00 UTC)";
    for (const auto& res : {tr_lookup_page(v, kToken), tr_confirm_page(v)}) {
        CHECK(res.body.find("outside the window (08:00-17:00 UTC)") != std::string::npos);
        CHECK(res.body.find("router-7") != std::string::npos);
        CHECK(res.body.find("<button") == std::string::npos);
    }
    CHECK(tr_lookup_page(v, kToken).status == 200);
    CHECK(tr_confirm_page(v).status == 409);
}

TEST_CASE("tr page: a confirm that released says until when") {
    TokenView v = valid();
    v.state = TokenState::Released;
    v.until = 1796230800;  // 2026-12-02 17:00:00 UTC
    const auto res = tr_confirm_page(v);
    CHECK(res.status == 200);
    CHECK(res.body.find("Access released") != std::string::npos);
    CHECK(res.body.find("2026-12-02 17:00 UTC") != std::string::npos);
    CHECK(res.body.find("router-7") != std::string::npos);
    CHECK(res.body.find("<button") == std::string::npos);
    CHECK(utc_text(0) == "1970-01-01 00:00 UTC");
}

TEST_CASE("tr page: used, expired and unknown tokens name no device") {
    struct Case {
        TokenState state;
        unsigned status;
        const char* says;
    };
    for (const auto& c :
         {Case{TokenState::Used, 410, "already been used"},
          Case{TokenState::Expired, 410, "expired"}, Case{TokenState::Unknown, 404, "not valid"}}) {
        TokenView v = valid("secret-device");  // a service that filled it in anyway
        v.state = c.state;
        for (const auto& res : {tr_lookup_page(v, kToken), tr_confirm_page(v)}) {
            INFO(c.says);
            CHECK(res.status == c.status);
            CHECK(res.body.find(c.says) != std::string::npos);
            CHECK(res.body.find("secret-device") == std::string::npos);
            CHECK(res.body.find(kToken) == std::string::npos);
            CHECK(res.body.find("<button") == std::string::npos);
            CHECK(res.body == tr_state_page(c.state).body);
        }
    }
}

TEST_CASE("tr page: operator text is escaped everywhere it appears") {
    const std::string evil = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&";
    TokenView v = valid(evil);
    v.effect = evil;
    TokenView refused = v;
    refused.refusal = evil;
    TokenView released = v;
    released.state = TokenState::Released;
    released.until = 1;
    // The token is checked before a page is made; escaped in the form's action anyway.
    CHECK(tr_lookup_page(v, "\"><b>").body.find("action=\"&quot;&gt;&lt;b&gt;\"") !=
          std::string::npos);
    for (const auto& res : {tr_lookup_page(v, kToken), tr_lookup_page(refused, kToken),
                            tr_confirm_page(released), tr_confirm_page(refused)}) {
        CHECK(res.body.find("<script") == std::string::npos);
        CHECK(res.body.find("<img") == std::string::npos);
        CHECK(res.body.find("\"><") == std::string::npos);
        CHECK(res.body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img") !=
              std::string::npos);
        CHECK(external_references(res.body).empty());
    }
}

TEST_CASE("tr page: no page loads anything from anywhere") {
    // The scanner itself finds what it looks for.
    CHECK(!external_references("<link rel=stylesheet href=\"https://cdn.example/x.css\">").empty());
    CHECK(!external_references("<p onclick=\"x()\">").empty());
    CHECK(!external_references("<style>body{background:url(a.png)}</style>").empty());
    CHECK(!external_references("<style>p{}</style><style>@import 'x.css';</style>").empty());
    CHECK(external_references("<p>Try again on Monday, see https://x.example.</p>").empty());
    CHECK(external_references("<p>&lt;img src=x onerror=y&gt;</p>").empty());
    for (const auto& page : every_page()) {
        INFO(page.body);
        CHECK(external_references(page.body).empty());
        CHECK(page.content_type == "text/html; charset=utf-8");
        CHECK(page.body.rfind("<!DOCTYPE html>", 0) == 0);
    }
}

TEST_CASE("tr page: too many attempts is 429 with Retry-After in whole seconds") {
    const auto res = too_many_attempts_page(std::chrono::milliseconds(19001));
    CHECK(res.status == 429);
    REQUIRE(res.headers.size() == 1);
    CHECK(res.headers[0] == std::pair<std::string, std::string>("Retry-After", "20"));
    CHECK(res.body.find("20 s") != std::string::npos);
    CHECK(too_many_attempts_page(std::chrono::milliseconds(0)).headers[0].second == "1");
}

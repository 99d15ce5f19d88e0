// Arbitrary bytes as a request to the TR confirmation page's routes (issue 10): Beast's
// parser with the server's limits, then the handler (token syntax, X-Forwarded-For
// behind a trusted proxy, the rate limit) over a fake TR service that answers with the
// request's body as device name, effect and refusal (each behind the marker "<zq"). Never
// a crash, and the marker never reaches the HTML unescaped.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/http/request.hpp"
#include "daemon/http/tr_handler.hpp"
#include "daemon/http/tr_page.hpp"

using namespace warden::http;

namespace {

// The fuzzed text, when the service is asked: what a hostile operator could store.
std::string g_text;

TokenView answer(std::string_view token, bool confirm) {
    TokenView v;
    v.state = static_cast<TokenState>(token.size() % 5);
    if (confirm && v.state == TokenState::Valid && token.size() % 2 == 0)
        v.state = TokenState::Released;
    v.device = "<zq" + g_text;
    v.effect = "<zq" + g_text + "\"'&>";
    v.refusal = token.size() % 3 == 0 ? "<zq" + g_text : "";
    v.until = static_cast<std::int64_t>(token.size()) * 86400 * 365;
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    static const Handler handler =
        make_tr_handler({[](std::string_view t) { return answer(t, false); },
                         [](std::string_view t, const std::string&) { return answer(t, true); }},
                        {1000000, "192.0.2.1"});
    auto parsed = parse_request(bytes, HttpLimits{}, "192.0.2.1");
    auto* req = std::get_if<HttpRequest>(&parsed);
    if (!req) return 0;
    g_text = req->body;
    const HttpResponse res = handler(*req);
    if (res.status < 200 || res.status > 599) std::abort();
    // No page's own markup has "<zq": only operator text left unescaped would.
    if (res.body.find("<zq") != std::string::npos) std::abort();
    (void)to_beast(res, req->method == "HEAD", true, 11);
    return 0;
}

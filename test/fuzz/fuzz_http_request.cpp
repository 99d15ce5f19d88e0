// Arbitrary bytes as an HTTP request, through the listener's own parsing path (Beast's
// parser with the server's limits, then the checks and conversion into HttpRequest),
// then a response built from what was parsed (echoing attacker text into a header and
// the body) serialized as the server would: never a crash, and the security headers
// always survive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "daemon/http/rate_limit.hpp"
#include "daemon/http/request.hpp"

using namespace warden::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    HttpLimits limits;
    if (size % 3 == 0) {  // small limits too, so the limit paths are reached often
        limits.header_bytes = 64;
        limits.body_bytes = 16;
    }
    auto parsed = parse_request(bytes, limits, "192.0.2.1");
    HttpResponse res;
    bool head = false;
    if (const auto* req = std::get_if<HttpRequest>(&parsed)) {
        head = req->method == "HEAD";
        res.status = 200 + static_cast<unsigned>(req->body.size() % 400);
        res.body = req->path + req->query + req->body;
        res.headers.emplace_back("Location", req->path);
        res.headers.emplace_back(req->query, req->body);
        for (const auto& [name, value] : req->headers) res.headers.emplace_back(name, value);
        (void)rate_key(req->query);
    } else {
        res = error_response(std::get<unsigned>(parsed));
    }
    const auto out = to_beast(res, head, size % 2 == 0, 11);
    if (out["X-Frame-Options"] != "DENY" || out["Cache-Control"] != "no-store") std::abort();
    std::ostringstream wire;
    wire << out;
    return 0;
}

#include "daemon/http/request.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <cctype>

namespace warden::http {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return lower(a) == lower(b);
}

// The fields the server always sets itself; a handler's copy would duplicate or weaken them.
constexpr std::string_view kServerFields[] = {"content-length",
                                              "content-type",
                                              "transfer-encoding",
                                              "connection",
                                              "cache-control",
                                              "x-content-type-options",
                                              "content-security-policy",
                                              "referrer-policy",
                                              "x-frame-options",
                                              "server",
                                              "date",
                                              "keep-alive"};

bool server_field(std::string_view name) {
    return std::any_of(std::begin(kServerFields), std::end(kServerFields),
                       [&](std::string_view f) { return iequals(f, name); });
}

// A field name is a token; a value has no CR, LF or NUL (header injection).
bool safe_field(std::string_view name, std::string_view value) {
    if (name.empty()) return false;
    for (unsigned char c : name)
        if (!(std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                     std::string_view::npos))
            return false;
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void set_security_headers(BeastResponse& res) {
    res.set(beast_http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    res.set("Referrer-Policy", "no-referrer");
    res.set(beast_http::field::x_frame_options, "DENY");
}

bool allowed_method(beast_http::verb v) {
    return v == beast_http::verb::get || v == beast_http::verb::head || v == beast_http::verb::post;
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return std::string_view(v);
    return std::nullopt;
}

void apply_limits(RequestParser& parser, const HttpLimits& limits) {
    parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
    parser.body_limit(limits.body_bytes);
}

std::optional<unsigned> status_for_read_error(const boost::system::error_code& ec) {
    if (ec == beast_http::error::header_limit) return 431;
    if (ec == beast_http::error::body_limit) return 413;
    // Parse errors are in Beast's http category; everything else is the transport.
    if (ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category() &&
        ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message)
        return 400;
    return std::nullopt;
}

std::variant<HttpRequest, unsigned> to_request(BeastRequest&& req, std::string peer) {
    if (!allowed_method(req.method())) return 405u;
    const std::string_view target(req.target().data(), req.target().size());
    // Origin form only ("/path?query"): no absolute URIs, no "*", no fragments.
    if (target.empty() || target.front() != '/' || target.find('#') != std::string_view::npos)
        return 400u;
    HttpRequest out;
    out.method = std::string(req.method_string());
    const auto q = target.find('?');
    out.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
    for (const auto& f : req) {
        const std::string name =
            lower(std::string_view(f.name_string().data(), f.name_string().size()));
        if (std::find(std::begin(kForwardedHeaders), std::end(kForwardedHeaders), name) ==
            std::end(kForwardedHeaders))
            continue;
        out.headers.emplace_back(name, std::string(f.value()));
    }
    out.body = std::move(req.body());
    out.peer = std::move(peer);
    return out;
}

BeastResponse to_beast(const HttpResponse& in, bool head, bool keep_alive, unsigned version) {
    const bool valid = in.status >= 200 && in.status <= 599 && in.status != 204 && in.status != 304;
    const HttpResponse& r = valid ? in : error_response(500);
    BeastResponse res{static_cast<beast_http::status>(r.status), version};
    for (const auto& [name, value] : r.headers)
        if (safe_field(name, value) && !server_field(name)) res.insert(name, value);
    res.set(beast_http::field::content_type,
            safe_field("content-type", r.content_type) ? r.content_type : "text/plain");
    set_security_headers(res);
    res.keep_alive(keep_alive);
    // HEAD: the length the GET body would have, and no body.
    res.content_length(r.body.size());
    if (!head) res.body() = r.body;
    return res;
}

HttpResponse error_response(unsigned status) {
    HttpResponse r;
    r.status = status;
    r.body =
        std::string(beast_http::obsolete_reason(static_cast<beast_http::status>(status))) + "\n";
    if (status == 405) r.headers.emplace_back("Allow", "GET, HEAD, POST");
    return r;
}

std::string loggable_path(std::string_view path) {
    constexpr std::string_view kTokenPrefix = "/tr/";
    constexpr std::size_t kShownChars = 4;
    if (path.substr(0, kTokenPrefix.size()) != kTokenPrefix ||
        path.size() <= kTokenPrefix.size() + kShownChars)
        return std::string(path);
    return std::string(path.substr(0, kTokenPrefix.size() + kShownChars)) + "...";
}

std::variant<HttpRequest, unsigned> parse_request(std::string_view bytes, const HttpLimits& limits,
                                                  std::string peer) {
    RequestParser parser;
    apply_limits(parser, limits);
    parser.eager(true);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!parser.is_done() && used < bytes.size()) {
        const std::size_t n =
            parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
        if (ec == beast_http::error::need_more) break;
        if (ec) return status_for_read_error(ec).value_or(400u);
        if (n == 0) break;
        used += n;
    }
    ec = {};
    if (!parser.got_some()) return 400u;  // nothing at all (put_eof requires some input)
    if (!parser.is_done()) {
        parser.put_eof(ec);
        if (ec || !parser.is_done()) return status_for_read_error(ec).value_or(400u);
    }
    return to_request(parser.release(), std::move(peer));
}

}  // namespace warden::http

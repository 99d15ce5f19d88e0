#include "common/endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace warden::endpoint {
namespace {

std::optional<unsigned> parse_port(std::string_view text) {
    unsigned port = 0;
    if (text.empty() || text.size() > 5) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port > 65535) return std::nullopt;
    return port;
}

std::optional<std::string> format_ipv4(const in_addr& a) {
    char buf[INET_ADDRSTRLEN];
    if (!::inet_ntop(AF_INET, &a, buf, sizeof buf)) return std::nullopt;
    return std::string(buf);
}

// The address in canonical text, "[...]" around IPv6 ones.
std::optional<std::string> canonical_address(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char input[INET6_ADDRSTRLEN] = {};
    std::memcpy(input, text.data(), text.size());
    in_addr v4{};
    if (::inet_pton(AF_INET, input, &v4) == 1) return format_ipv4(v4);
    in6_addr v6{};
    if (::inet_pton(AF_INET6, input, &v6) != 1) return std::nullopt;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        std::memcpy(&v4.s_addr, &v6.s6_addr[12], sizeof v4.s_addr);
        return format_ipv4(v4);
    }
    char buf[INET6_ADDRSTRLEN];
    if (!::inet_ntop(AF_INET6, &v6, buf, sizeof buf)) return std::nullopt;
    return "[" + std::string(buf) + "]";
}

}  // namespace

std::optional<std::string> make(std::string_view address, std::string_view port) {
    const auto a = canonical_address(address);
    const auto p = parse_port(port);
    if (!a || !p) return std::nullopt;
    return *a + ":" + std::to_string(*p);
}

std::optional<std::string> normalize(std::string_view text) {
    for (std::string_view tag : {"[AF_INET6]", "[AF_INET]"}) {
        if (text.substr(0, tag.size()) == tag) text.remove_prefix(tag.size());
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return make(text.substr(0, colon), text.substr(colon + 1));
}

std::string canonical(std::string_view text) {
    auto n = normalize(text);
    return n ? std::move(*n) : std::string(text);
}

std::string reported(std::string_view text) {
    const bool bracketed = !text.empty() && text.front() == '[' && text.back() == ']';
    if (bracketed || text.find(':') != text.rfind(':')) {  // two colons: an IPv6 address
        if (auto a = canonical_address(text); a && a->front() == '[') return std::move(*a);
    }
    return canonical(text);
}

bool matches(std::string_view reported_address, std::string_view endpoint) {
    if (reported_address == endpoint) return true;
    // "[addr]" (no port) against "[addr]:port".
    return !reported_address.empty() && reported_address.back() == ']' &&
           endpoint.size() > reported_address.size() + 1 &&
           endpoint.substr(0, reported_address.size()) == reported_address &&
           endpoint[reported_address.size()] == ':';
}

bool is_ipv4(std::string_view e) {
    return !e.empty() && e.front() != '[' && normalize(e).has_value();
}

}  // namespace warden::endpoint

#include "daemon/core/http_settings.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace warden::core {
namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
    return std::all_of(s.begin(), s.end(), pred);
}

bool digit(char c) {
    return c >= '0' && c <= '9';
}

bool ipv4_text(std::string_view s) {
    in_addr out{};
    return s.size() < INET_ADDRSTRLEN && ::inet_pton(AF_INET, std::string(s).c_str(), &out) == 1;
}

bool ipv6_text(std::string_view s) {
    in6_addr out{};
    return s.size() < INET6_ADDRSTRLEN && ::inet_pton(AF_INET6, std::string(s).c_str(), &out) == 1;
}

// Decimal, no leading zero, at most 65535; `min` is 0 for listen (any free port).
bool port_text(std::string_view s, unsigned min) {
    if (s.empty() || s.size() > 5 || !all_of(s, digit) || (s.size() > 1 && s.front() == '0'))
        return false;
    const unsigned long port = std::stoul(std::string(s));
    return port >= min && port <= 65535;
}

// A DNS name: dot-separated labels of letters, digits and inner hyphens.
bool dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        const auto dot = s.find('.', start);
        const auto label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

// Path characters that need no escaping anywhere a link goes (mail text, HTML).
bool path_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~/%").find(c) != std::string_view::npos;
}

// host[:port] of a URL; the reason it is not one, or nullopt.
std::optional<std::string> authority_error(std::string_view authority) {
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return "expected ] after an IPv6 address";
        if (!ipv6_text(authority.substr(1, close - 1))) return "bad IPv6 address";
        const auto rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return "expected :port after ]";
        if (!rest.empty() && !port_text(rest.substr(1), 1)) return "bad port";
        return std::nullopt;
    }
    if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (!port_text(port, 1)) return "bad port";
    }
    if (!ipv4_text(host) && !dns_name(host)) return "expected a host name or an IP address";
    return std::nullopt;
}

}  // namespace

bool http_listen_off(std::string_view listen) {
    return listen.empty() || listen == "off";
}

std::optional<std::string> http_listen_error(std::string_view listen) {
    if (http_listen_off(listen)) return std::nullopt;
    if (listen.front() == '[') {
        const auto close = listen.find("]:");
        if (close == std::string_view::npos) return "expected [IPv6]:port";
        if (!ipv6_text(listen.substr(1, close - 1))) return "bad IPv6 address";
        if (!port_text(listen.substr(close + 2), 0)) return "bad port";
        return std::nullopt;
    }
    const auto colon = listen.find(':');
    if (colon == std::string_view::npos) return "expected address:port, e.g. 127.0.0.1:8088";
    if (listen.find(':', colon + 1) != std::string_view::npos)
        return "IPv6 needs brackets, e.g. [::1]:8088";
    if (!ipv4_text(listen.substr(0, colon))) return "expected an IP address (no host names)";
    if (!port_text(listen.substr(colon + 1), 0)) return "bad port";
    return std::nullopt;
}

std::optional<std::string> public_url_error(std::string_view url) {
    std::string_view rest;
    if (url.substr(0, 7) == "http://")
        rest = url.substr(7);
    else if (url.substr(0, 8) == "https://")
        rest = url.substr(8);
    else
        return "expected http://host[:port][/prefix] or https://...";
    if (rest.find_first_of("?#") != std::string_view::npos)
        return "no query (?) or fragment (#): links are the URL + /tr/TOKEN";
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    if (authority.find('@') != std::string_view::npos) return "no user@ in the URL";
    if (auto why = authority_error(authority)) return *why;
    if (slash != std::string_view::npos && !all_of(rest.substr(slash), path_char))
        return "the path may hold only letters, digits and - . _ ~ / %";
    return std::nullopt;
}

std::string trim_public_url(std::string_view url) {
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    return std::string(url);
}

std::string default_public_url(std::string_view listen) {
    return "http://" + std::string(listen);
}

bool ip_address_text(std::string_view text) {
    return ipv4_text(text) || ipv6_text(text);
}

}  // namespace warden::core

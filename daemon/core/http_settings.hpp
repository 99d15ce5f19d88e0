// Checks of the [http] settings in wardend.conf (issue 10): the listen address, the
// public URL mail links start with, the trusted reverse proxy. Pure text checks (no
// sockets), so a bad value stops wardend at config load, not at its first mail.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::core {

// "" or "off": the page is switched off.
bool http_listen_off(std::string_view listen);

// The reason `listen` is not "IPv4:port" or "[IPv6]:port" (port 0..65535, no host
// names), or nullopt when it is (or when it is off).
std::optional<std::string> http_listen_error(std::string_view listen);

// The reason `url` is not http(s)://host[:port][/prefix] (host: a DNS name, an IPv4
// address or [IPv6]; no user info, query or fragment; the prefix only of URL-safe
// characters), or nullopt.
std::optional<std::string> public_url_error(std::string_view url);

// `url` without trailing slashes: links are `url + "/tr/" + token`.
std::string trim_public_url(std::string_view url);

// The public URL when none is configured: "http://" + listen.
std::string default_public_url(std::string_view listen);

// True when `text` is an IPv4 or IPv6 address (no brackets, no port).
bool ip_address_text(std::string_view text);

}  // namespace warden::core

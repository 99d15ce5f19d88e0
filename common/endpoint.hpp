// A client's real address ("endpoint") in the one form wardend keys sessions by, whatever
// reported it: the plugin (OpenVPN's env: untrusted_ip or untrusted_ip6, and the port)
// or the management interface (`status 3` "Real Address").
//
// Measured on OpenVPN 2.6.14 with `proto udp6` (dual stack):
//   IPv6 client   env untrusted_ip6=fd00:251::2 untrusted_port=48293
//                 status 3 "fd00:251::2"            <- no port at all
//   IPv4 client   env untrusted_ip=10.251.1.2 untrusted_port=43443
//                 status 3 "10.251.1.2:43443"       (not "::ffff:10.251.1.2")
//
//   IPv4                        "192.0.2.5:40000"
//   IPv6                        "[fd00::2]:40000"  (RFC 5952 text: lowercase, compressed)
//   IPv4-mapped IPv6 (udp6)     "192.0.2.5:40000"  (as OpenVPN's env reports it)
//
// Without the port an IPv6 client would be known by "fd00::2:40000"-like strings that
// two sides spell differently, or worse, by its port alone (no untrusted_ip for it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::endpoint {

// From an address (either family, brackets allowed) and a decimal port; nullopt when
// either does not parse.
std::optional<std::string> make(std::string_view address, std::string_view port);

// Any of "a.b.c.d:port", "addr6:port", "[addr6]:port", "[AF_INET6]addr6:port",
// "[AF_INET]a.b.c.d:port" in canonical form; nullopt for anything else.
std::optional<std::string> normalize(std::string_view text);

// normalize(text), or text unchanged when it does not parse (a form we do not know
// still matches itself).
std::string canonical(std::string_view text);

// The management interface's "Real Address": a bare IPv6 address (2.6 prints IPv6 peers
// without their port) becomes "[addr]", anything else goes through canonical(). Such a
// port-less form matches an endpoint by address only (see matches()).
std::string reported(std::string_view text);

// Whether `reported_address` (reported()) names the client at `endpoint` (make()).
bool matches(std::string_view reported_address, std::string_view endpoint);

bool is_ipv4(std::string_view canonical_endpoint);

}  // namespace warden::endpoint

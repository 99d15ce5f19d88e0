// What the plugin remembers about one OpenVPN client between its hooks.
//
// OpenVPN 2.6 calls openvpn_plugin_client_constructor_v1 when it creates a client
// instance (multi.c: inherit_context_child -> do_inherit_plugins, before init_instance
// sets up that instance's TLS) and passes the returned pointer as per_client_context to
// every hook of that instance: TLS_VERIFY (ssl_verify.c: plugin_call_ssl on the
// instance's tls options, whose plugin list is the instance's), AUTH_USER_PASS_VERIFY and
// CLIENT_CONNECT / _DISCONNECT (multi.c: mi->context.plugins). The destructor runs when
// the instance closes. So what TLS verification learns reaches that client's CLIENT_CONNECT
// without a key or a table: no handshake flood can grow anything but OpenVPN's own
// instances.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <optional>

namespace warden::plugin {

struct ClientContext {
    // The leaf certificate's notAfter (Unix seconds), read at its TLS verification:
    // OpenVPN exports no env var for it. Unset with another TLS library than OpenSSL.
    std::optional<std::int64_t> cert_not_after;
};

// The certificate's notAfter in Unix seconds; nullopt when it cannot be read or lies
// before 1970. Parses the ASN1_TIME in place (no allocation: runs on OpenVPN's thread).
std::optional<std::int64_t> cert_not_after(const X509* cert) noexcept;

}  // namespace warden::plugin

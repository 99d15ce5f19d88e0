// What the plugin does for each OpenVPN hook, independent of the C ABI.
#pragma once

#include <memory>

#include "plugin/client_context.hpp"
#include "plugin/config.hpp"
#include "plugin/daemon_link.hpp"
#include "plugin/plugin_log.hpp"

namespace warden::plugin {

class Handlers {
  public:
    // openssl_certs: OpenVPN hands over OpenSSL X509 objects (ssl_api SSLAPI_OPENSSL).
    Handlers(Config config, plugin_log_t log_callback, bool openssl_certs);

    // Starts the link; returns an error text.
    std::string start();
    void stop();
    PluginLog& log() { return log_; }
    // Whether a current_cert OpenVPN passes is an X509 (else it must not be touched).
    bool openssl_certs() const { return openssl_certs_; }

    // Each returns an OPENVPN_PLUGIN_FUNC_* code. `client` is OpenVPN's per_client_context
    // (a ClientContext, or null when OpenVPN has none for the call).
    int auth_user_pass_verify(const char* const* envp, const ClientContext* client);
    int client_connect(const char* const* argv, const char* const* envp,
                       const ClientContext* client);
    int client_connect_defer(const char* const* envp);
    int client_disconnect(const char* const* envp);
    // Never refuses (OpenVPN and the CRL judge the certificate). At depth 0 it keeps the
    // certificate's not-after in `client` (`leaf`: the certificate, null when unreadable)
    // and asks the daemon for the client's connect verdict ahead (Config::prefetch).
    int tls_verify(const char* const* argv, const char* const* envp, ClientContext* client,
                   const X509* leaf);

  private:
    bool admit_prefetched(const char* const* envp, const ClientContext* client,
                          const std::string& config, const std::string& config_file);

    Config config_;
    bool openssl_certs_;
    PluginLog log_;  // outlives link_ (declared first)
    DaemonLink link_;
};

}  // namespace warden::plugin

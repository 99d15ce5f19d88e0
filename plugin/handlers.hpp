// What the plugin does for each OpenVPN hook, independent of the C ABI.
#pragma once

#include <memory>

#include "plugin/config.hpp"
#include "plugin/daemon_link.hpp"
#include "plugin/plugin_log.hpp"

namespace warden::plugin {

class Handlers {
  public:
    Handlers(Config config, plugin_log_t log_callback);

    // Starts the link; returns an error text.
    std::string start();
    void stop();
    PluginLog& log() { return log_; }

    // Each returns an OPENVPN_PLUGIN_FUNC_* code.
    int auth_user_pass_verify(const char* const* envp);
    int client_connect(const char* const* argv, const char* const* envp);
    int client_connect_defer(const char* const* envp);
    int client_disconnect(const char* const* envp);
    // Never refuses (OpenVPN and the CRL judge the certificate): at depth 0 it asks the
    // daemon for the client's connect verdict ahead (Config::prefetch).
    int tls_verify(const char* const* argv, const char* const* envp);

  private:
    bool admit_prefetched(const char* const* envp, const std::string& config,
                          const std::string& config_file);

    Config config_;
    PluginLog log_;  // outlives link_ (declared first)
    DaemonLink link_;
};

}  // namespace warden::plugin

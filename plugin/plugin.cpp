// The C ABI OpenVPN sees. Thin on purpose: it validates what OpenVPN hands over, maps
// hook types to Handlers, and makes sure no exception ever crosses into OpenVPN (an
// escaping exception would terminate the VPN server).
//
// Hooks registered:
//   AUTH_USER_PASS_VERIFY  ask the daemon; answer at once or defer (auth_control_file)
//   CLIENT_CONNECT         ask the daemon; config file in argv[1]; defer through
//                          client_connect_deferred_file
//   CLIENT_CONNECT_DEFER   OpenVPN's poll of a deferred CLIENT_CONNECT; required, see
//                          Handlers::client_connect_defer
//   CLIENT_DISCONNECT      tell the daemon (no waiting)
//   TLS_VERIFY             never refuses: keeps the client certificate's not-after in the
//                          client's context (sent with its Auth / Connect) and prefetches
//                          its connect verdict (prefetch=1)
//
// Per-client context (client_constructor/destructor_v1): a ClientContext per OpenVPN
// client instance, the same one at TLS_VERIFY and at that client's later hooks
// (plugin/client_context.hpp).
#include <openvpn/openvpn-plugin.h>

#include <exception>
#include <memory>
#include <new>
#include <string>

#include "plugin/client_context.hpp"
#include "plugin/config.hpp"
#include "plugin/handlers.hpp"

using warden::plugin::ClientContext;
using warden::plugin::Config;
using warden::plugin::Handlers;
namespace log = warden::log;

namespace {

constexpr int kTypeMask = OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_AUTH_USER_PASS_VERIFY) |
                          OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_CLIENT_CONNECT) |
                          OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_CLIENT_CONNECT_DEFER) |
                          OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_CLIENT_DISCONNECT) |
                          OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_TLS_VERIFY);

// Deferred v1 client-connect (and its DEFER hook) exists since OpenVPN 2.5.
bool version_supported(const openvpn_plugin_args_open_in* in) {
    if (in->ovpn_version_major != 2) return in->ovpn_version_major > 2;
    return in->ovpn_version_minor >= 5;
}

// Everything open_v3 checks before starting anything; returns an error text.
std::string check_open(const openvpn_plugin_args_open_in* in, Config& config) {
    if (!version_supported(in)) return "OpenVPN 2.5 or later is required";
    if ((in->type_mask & kTypeMask) != kTypeMask)
        return "OpenVPN does not offer the hooks the plugin needs";
    return warden::plugin::parse_config(in->argv, config);
}

int open_plugin(const openvpn_plugin_args_open_in* in, openvpn_plugin_args_open_return* out) {
    warden::plugin::PluginLog boot_log(in->callbacks != nullptr ? in->callbacks->plugin_log
                                                                : nullptr);
    Config config;
    if (const auto error = check_open(in, config); !error.empty()) {
        boot_log.now(log::Level::Error, "plugin not started", {{"error", error}});
        return OPENVPN_PLUGIN_FUNC_ERROR;
    }
    auto handlers = std::make_unique<Handlers>(
        config, in->callbacks != nullptr ? in->callbacks->plugin_log : nullptr,
        in->ssl_api == SSLAPI_OPENSSL);
    if (const auto error = handlers->start(); !error.empty()) {
        boot_log.now(log::Level::Error, "plugin not started", {{"error", error}});
        return OPENVPN_PLUGIN_FUNC_ERROR;
    }
    const std::string budget_us = std::to_string(config.budget.count());
    const std::string timeout_ms = std::to_string(config.timeout.count());
    const std::string daemon_wait_ms = std::to_string(config.daemon_wait.count());
    handlers->log().now(log::Level::Info, "plugin started",
                        {{"socket", config.socket_path},
                         {"instance", config.instance},
                         {"budget_us", budget_us},
                         {"timeout_ms", timeout_ms},
                         {"daemon_wait_ms", daemon_wait_ms},
                         {"prefetch", config.prefetch ? "1" : "0"}});
    out->type_mask = kTypeMask;
    out->handle = handlers.release();
    return OPENVPN_PLUGIN_FUNC_SUCCESS;
}

// The certificate OpenVPN verifies, when it is the client's own (depth 0) and an X509: with
// another TLS library current_cert is no X509 and must not be touched.
const X509* leaf_cert(const Handlers& h, const openvpn_plugin_args_func_in* in) {
    if (!h.openssl_certs() || in->current_cert_depth != 0) return nullptr;
    return in->current_cert;
}

int dispatch(Handlers& h, const openvpn_plugin_args_func_in* in) {
    h.log().flush();  // lines the I/O thread queued since the last call
    auto* client = static_cast<ClientContext*>(in->per_client_context);
    switch (in->type) {
        case OPENVPN_PLUGIN_AUTH_USER_PASS_VERIFY:
            return h.auth_user_pass_verify(in->envp, client);
        case OPENVPN_PLUGIN_CLIENT_CONNECT:
            return h.client_connect(in->argv, in->envp, client);
        case OPENVPN_PLUGIN_CLIENT_CONNECT_DEFER:
            return h.client_connect_defer(in->envp);
        case OPENVPN_PLUGIN_CLIENT_DISCONNECT:
            return h.client_disconnect(in->envp);
        case OPENVPN_PLUGIN_TLS_VERIFY:
            return h.tls_verify(in->argv, in->envp, client, leaf_cert(h, in));
        default:
            return OPENVPN_PLUGIN_FUNC_SUCCESS;
    }
}

}  // namespace

// -fvisibility=hidden hides everything; these are the only symbols OpenVPN may see
// (OPENVPN_EXPORT is empty on Linux). exports.map enforces the same at link time.
#pragma GCC visibility push(default)
extern "C" {

int openvpn_plugin_min_version_required_v1(void) {
    return 3;
}

// After --daemon forked (a thread started before the fork would not exist in the
// child) and before privileges are dropped (the socket may need the warden group).
int openvpn_plugin_select_initialization_point_v1(void) {
    return OPENVPN_PLUGIN_INIT_POST_DAEMON;
}

int openvpn_plugin_open_v3(const int version, struct openvpn_plugin_args_open_in const* in,
                           struct openvpn_plugin_args_open_return* out) {
    if (version < 3 || in == nullptr || out == nullptr) return OPENVPN_PLUGIN_FUNC_ERROR;
    try {
        return open_plugin(in, out);
    } catch (...) {  // bad_alloc, system_error: refuse to load rather than crash OpenVPN
        return OPENVPN_PLUGIN_FUNC_ERROR;
    }
}

int openvpn_plugin_func_v3(const int version, struct openvpn_plugin_args_func_in const* in,
                           struct openvpn_plugin_args_func_return* out) {
    if (version < 3 || in == nullptr || in->handle == nullptr) return OPENVPN_PLUGIN_FUNC_ERROR;
    auto* handlers = static_cast<Handlers*>(in->handle);
    try {
        return dispatch(*handlers, in);
    } catch (const std::exception& e) {
        try {
            handlers->log().now(log::Level::Error, "plugin call failed", {{"error", e.what()}});
        } catch (...) {
        }
    } catch (...) {
    }
    return OPENVPN_PLUGIN_FUNC_ERROR;  // fail closed
}

// One per OpenVPN client instance (and one for OpenVPN's top-level context, unused). Null
// when out of memory: that client's requests then carry no not-after.
void* openvpn_plugin_client_constructor_v1(openvpn_plugin_handle_t) {
    return new (std::nothrow) ClientContext();
}

void openvpn_plugin_client_destructor_v1(openvpn_plugin_handle_t, void* per_client_context) {
    delete static_cast<ClientContext*>(per_client_context);
}

void openvpn_plugin_close_v1(openvpn_plugin_handle_t handle) {
    auto* handlers = static_cast<Handlers*>(handle);
    if (handlers == nullptr) return;
    try {
        handlers->stop();
    } catch (...) {
    }
    delete handlers;
}

}  // extern "C"
#pragma GCC visibility pop

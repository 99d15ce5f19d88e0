#include "plugin/handlers.hpp"

#include <openvpn/openvpn-plugin.h>

#include "common/protocol.hpp"
#include "plugin/request.hpp"
#include "plugin/verdict_files.hpp"

namespace warden::plugin {
namespace {

using State = DaemonLink::Result::State;

std::string env_or_empty(const char* const* envp, std::string_view name) {
    return std::string(env_get(envp, name).value_or(""));
}

DaemonLink::Options link_options(const Config& c) {
    DaemonLink::Options o;
    o.socket_path = c.socket_path;
    o.instance = c.instance;
    o.timeout = c.timeout;
    o.daemon_wait = c.daemon_wait;
    return o;
}

// A request queued while the daemon is away is worth a line at the default verbosity: it
// explains a client that waits seconds for its verdict.
// ... and the daemon hears of every deferral (it counts and logs them).
void log_deferred(PluginLog& log, DaemonLink& link, const char* kind, const std::string& cn,
                  const DaemonLink::Result& r, DaemonLink::Clock::time_point asked_at) {
    link.report_deferral(kind, cn, r.queued ? protocol::report::kQueued : protocol::report::kBudget,
                         DaemonLink::Clock::now() - asked_at);
    if (r.queued) {
        log.now(log::Level::Warning, "request queued until the daemon is back",
                {{"kind", kind}, {"common_name", cn}, {"id", std::to_string(r.id)}});
    } else {
        log.now(log::Level::Debug, std::string(kind) + " deferred",
                {{"common_name", cn}, {"id", std::to_string(r.id)}});
    }
}

// Which client a TLS verification and a CLIENT_CONNECT are about: its address and port
// (the same UDP/TCP peer both times) and its certificate's serial. "" when one is unset.
std::string client_key(const char* const* envp, std::string_view ip_name, std::string_view ip6_name,
                       std::string_view port_name) {
    std::string ip = env_or_empty(envp, ip_name);
    if (ip.empty()) ip = env_or_empty(envp, ip6_name);
    const std::string port = env_or_empty(envp, port_name);
    const std::string serial = env_or_empty(envp, protocol::env::tls_serial);
    if (ip.empty() || port.empty() || serial.empty()) return {};
    return ip + ' ' + port + ' ' + serial;
}

// Auth, Connect and Prefetch tell what the client's TLS verification learned.
void add_cert_fields(wire::Message& msg, const ClientContext* client) {
    if (client != nullptr && client->cert_not_after)
        msg.set(std::string(protocol::field::cert_not_after),
                std::to_string(*client->cert_not_after));
}

}  // namespace

Handlers::Handlers(Config config, plugin_log_t log_callback, bool openssl_certs)
    : config_(std::move(config)),
      openssl_certs_(openssl_certs),
      log_(log_callback),
      link_(link_options(config_), log_) {}

std::string Handlers::start() {
    return link_.start();
}

void Handlers::stop() {
    link_.stop();
    log_.flush();
}

int Handlers::auth_user_pass_verify(const char* const* envp, const ClientContext* client) {
    const std::string cn = env_or_empty(envp, "common_name");
    // A certificate-only client (auth-user-pass-optional, no credentials sent) has nothing
    // to verify here: its certificate is judged at CLIENT_CONNECT, which every client
    // passes and which fails closed. Skipping this round trip halves the time OpenVPN's
    // thread spends waiting per connect. Devices that need credentials send them, and
    // the daemon refuses at connect a device whose credentials were never checked.
    if (env_or_empty(envp, "username").empty() && env_or_empty(envp, "password").empty()) {
        return OPENVPN_PLUGIN_FUNC_SUCCESS;
    }
    DeferredTarget target;
    target.kind = DeferredTarget::Kind::Auth;
    target.control_file = env_or_empty(envp, "auth_control_file");
    target.reason_file = env_or_empty(envp, "auth_failed_reason_file");

    wire::Message request = build_message(wire::Type::Auth, config_.instance, envp);
    add_cert_fields(request, client);
    const auto asked_at = DaemonLink::Clock::now();
    // A login's allow also carries the client's Connect verdict (a device that needs
    // credentials cannot be prefetched at TLS verification): kept like a prefetch.
    const std::string key =
        config_.prefetch ? client_key(envp, "untrusted_ip", "untrusted_ip6", "untrusted_port") : "";
    const auto r = link_.call(request, config_.budget, &target, key);
    if (r.state == State::Deferred) {
        log_deferred(log_, link_, "auth", cn, r, asked_at);
        return OPENVPN_PLUGIN_FUNC_DEFERRED;
    }
    if (r.outcome.allow) {
        log_.now(log::Level::Info, "auth allowed", {{"common_name", cn}});
        return OPENVPN_PLUGIN_FUNC_SUCCESS;
    }
    // OpenVPN shows this reason to the client (AUTH_FAILED,<reason>); best effort.
    if (!target.reason_file.empty()) write_existing(target.reason_file, r.outcome.reason);
    log_.now(r.state == State::Refused ? log::Level::Warning : log::Level::Info, "auth refused",
             {{"common_name", cn}, {"reason", r.outcome.reason}});
    return OPENVPN_PLUGIN_FUNC_ERROR;
}

int Handlers::tls_verify(const char* const* argv, const char* const* envp, ClientContext* client,
                         const X509* leaf) {
    if (client != nullptr && leaf != nullptr) client->cert_not_after = cert_not_after(leaf);
    const bool depth0 = argv != nullptr && argv[0] != nullptr && argv[1] != nullptr &&
                        std::string_view(argv[1]) == "0";
    if (!config_.prefetch || !depth0) return OPENVPN_PLUGIN_FUNC_SUCCESS;
    const std::string key = client_key(envp, "untrusted_ip", "untrusted_ip6", "untrusted_port");
    if (key.empty()) return OPENVPN_PLUGIN_FUNC_SUCCESS;
    wire::Message request = build_message(wire::Type::Prefetch, config_.instance, envp);
    add_cert_fields(request, client);
    // common_name is set once the handshake is done; here the certificate's CN is known.
    if (!request.get(protocol::env::common_name))
        request.set(std::string(protocol::env::common_name),
                    env_or_empty(envp, protocol::env::cert_cn));
    link_.prefetch(request, key);
    return OPENVPN_PLUGIN_FUNC_SUCCESS;
}

// A client admitted on its prefetched verdict: the daemon still hears the Connect (it
// records the session, and ends it at once should its verdict no longer allow it).
// False when the daemon cannot be told now: then the client is asked for as usual.
bool Handlers::admit_prefetched(const char* const* envp, const ClientContext* client,
                                const std::string& config, const std::string& config_file) {
    wire::Message notice = build_message(wire::Type::Connect, config_.instance, envp);
    add_cert_fields(notice, client);
    notice.set(std::string(protocol::field::prefetched), "1");
    if (!config.empty()) {
        if (config_file.empty() || !write_existing(config_file, config).empty()) return false;
    }
    return link_.notify(notice);
}

int Handlers::client_connect(const char* const* argv, const char* const* envp,
                             const ClientContext* client) {
    const std::string cn = env_or_empty(envp, "common_name");
    DeferredTarget target;
    target.kind = DeferredTarget::Kind::Connect;
    target.control_file = env_or_empty(envp, "client_connect_deferred_file");
    target.config_file =
        (argv != nullptr && argv[0] != nullptr && argv[1] != nullptr) ? argv[1] : "";
    if (config_.prefetch) {
        const std::string key = client_key(envp, "trusted_ip", "trusted_ip6", "trusted_port");
        const auto config = key.empty() ? std::nullopt : link_.take_prefetched(key);
        if (config && admit_prefetched(envp, client, *config, target.config_file)) {
            log_.now(log::Level::Info, "connect allowed",
                     {{"common_name", cn}, {"prefetched", "1"}});
            return OPENVPN_PLUGIN_FUNC_SUCCESS;
        }
    }

    wire::Message request = build_message(wire::Type::Connect, config_.instance, envp);
    add_cert_fields(request, client);
    const auto asked_at = DaemonLink::Clock::now();
    const auto r = link_.call(request, config_.budget, &target);
    if (r.state == State::Deferred) {
        log_deferred(log_, link_, "connect", cn, r, asked_at);
        return OPENVPN_PLUGIN_FUNC_DEFERRED;
    }
    if (!r.outcome.allow) {
        log_.now(r.state == State::Refused ? log::Level::Warning : log::Level::Info,
                 "connect refused", {{"common_name", cn}, {"reason", r.outcome.reason}});
        return OPENVPN_PLUGIN_FUNC_ERROR;
    }
    if (!r.outcome.config.empty()) {
        // Without its config (address, routes) the client must not be admitted.
        const std::string error = target.config_file.empty()
                                      ? "no config file in argv[1]"
                                      : write_existing(target.config_file, r.outcome.config);
        if (!error.empty()) {
            log_.now(
                log::Level::Error, "connect refused",
                {{"common_name", cn}, {"reason", "cannot write client config"}, {"error", error}});
            return OPENVPN_PLUGIN_FUNC_ERROR;
        }
    }
    log_.now(log::Level::Info, "connect allowed", {{"common_name", cn}});
    return OPENVPN_PLUGIN_FUNC_SUCCESS;
}

// OpenVPN polls a deferred client-connect through this hook. If it were not
// registered, OpenVPN would treat the poll as SUCCESS and, with the deferred file still
// empty, admit the client with whatever is in the config file: fail open. So: still
// empty (or '2') -> DEFERRED; decided -> SUCCESS and OpenVPN reads '0'/'1' itself.
int Handlers::client_connect_defer(const char* const* envp) {
    const std::string path = env_or_empty(envp, "client_connect_deferred_file");
    if (path.empty()) {
        log_.now(log::Level::Error, "connect refused",
                 {{"reason", "client_connect_deferred_file not set"}});
        return OPENVPN_PLUGIN_FUNC_ERROR;
    }
    switch (read_control(path)) {
        case ControlState::Pending:
            return OPENVPN_PLUGIN_FUNC_DEFERRED;
        case ControlState::Decided:
            return OPENVPN_PLUGIN_FUNC_SUCCESS;
        case ControlState::Unreadable:
            break;
    }
    log_.now(log::Level::Error, "connect refused",
             {{"common_name", env_or_empty(envp, "common_name")},
              {"reason", "deferred file unreadable"}});
    return OPENVPN_PLUGIN_FUNC_ERROR;
}

int Handlers::client_disconnect(const char* const* envp) {
    wire::Message msg = build_message(wire::Type::Disconnect, config_.instance, envp);
    if (!link_.notify(msg)) {
        log_.now(log::Level::Warning, "disconnect not reported",
                 {{"common_name", env_or_empty(envp, "common_name")},
                  {"reason", "daemon not connected"}});
    }
    return OPENVPN_PLUGIN_FUNC_SUCCESS;  // OpenVPN ignores it; the client is gone either way
}

}  // namespace warden::plugin

// Shared setup for the plugin tests: a temp dir, a fake daemon on a socket in it, the
// plugin opened against that socket, and per-client env arrays with control files.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fake_daemon.hpp"
#include "plugin_harness.hpp"
#include "support/unix_client.hpp"

namespace warden::testing {

using namespace std::chrono_literals;

// Files OpenVPN would have created for one client.
struct ClientFiles {
    std::string control;  // auth_control_file or client_connect_deferred_file
    std::string reason;   // auth_failed_reason_file
    std::string config;   // client-connect config file (argv[1])
};

struct PluginFixture {
    TempDir dir;
    FakeDaemon daemon{dir.file("plugin.sock")};
    PluginUnderTest plugin;
    int next_client = 0;

    std::vector<std::string> args(std::vector<std::string> extra = {}) const {
        extra.insert(extra.begin(), "socket=" + dir.file("plugin.sock"));
        return extra;
    }

    // Starts the daemon and opens the plugin; waits for the plugin's Hello.
    void start(std::vector<std::string> extra = {}) {
        daemon.start();
        REQUIRE(plugin.open(args(std::move(extra))) == OPENVPN_PLUGIN_FUNC_SUCCESS);
        REQUIRE(daemon.wait_count(wire::Type::Hello, 1));
    }

    ClientFiles files() {
        const std::string base = dir.file("c" + std::to_string(++next_client));
        ClientFiles f{base + ".ctl", base + ".reason", base + ".conf"};
        touch(f.control);
        touch(f.reason);
        touch(f.config);
        return f;
    }

    CArray auth_env(const std::string& cn, const ClientFiles& f) {
        return CArray{"common_name=" + cn,
                      "username=" + cn,
                      "password=hunter2-" + cn,
                      "untrusted_ip=192.0.2.7",
                      "untrusted_port=51000",
                      "tls_serial_hex_0=0a:1b",
                      "auth_control_file=" + f.control,
                      "auth_failed_reason_file=" + f.reason,
                      "not_forwarded=x"};
    }
    CArray connect_env(const std::string& cn, const ClientFiles& f) {
        return CArray{"common_name=" + cn, "trusted_ip=192.0.2.7", "trusted_port=51000",
                      "client_connect_deferred_file=" + f.control};
    }

    int auth(const std::string& cn, const ClientFiles& f) {
        auto env = auth_env(cn, f);
        return plugin.call(OPENVPN_PLUGIN_AUTH_USER_PASS_VERIFY, env);
    }
    int connect(const std::string& cn, const ClientFiles& f) {
        auto env = connect_env(cn, f);
        return plugin.call(OPENVPN_PLUGIN_CLIENT_CONNECT, env, {f.config});
    }
    int connect_defer(const std::string& cn, const ClientFiles& f) {
        auto env = connect_env(cn, f);
        return plugin.call(OPENVPN_PLUGIN_CLIENT_CONNECT_DEFER, env, {f.config});
    }
};

// Responder: allow common names starting with "ok", deny the rest, after `delay`.
inline FakeDaemon::Responder by_name(std::chrono::milliseconds delay = 0ms,
                                     std::string config = {}) {
    return [delay, config](const wire::Message& m) {
        const std::string cn = m.get_or("common_name", "");
        const bool allow = cn.rfind("ok", 0) == 0;
        std::string conf = allow && m.type == wire::Type::Connect ? config : std::string();
        return std::vector<FakeDaemon::Reply>{
            {verdict(m.id, allow, allow ? "" : "not registered", conf), delay}};
    };
}

inline double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace warden::testing

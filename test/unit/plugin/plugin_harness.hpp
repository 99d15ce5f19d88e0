// Drives openvpn-plugin-warden.so the way OpenVPN does: dlopen, open_v3 with a
// plugin_log callback that records lines, func_v3 with argv/envp arrays, close_v1.
#pragma once

#include <dlfcn.h>
#include <openvpn/openvpn-plugin.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef WARDEN_PLUGIN_PATH
#error "WARDEN_PLUGIN_PATH must name the built plugin"
#endif

namespace warden::testing {

// Lines the plugin logged through plugin_log (all plugin instances of the process).
class LogSink {
  public:
    static LogSink& get() {
        static LogSink sink;
        return sink;
    }
    static void callback(openvpn_plugin_log_flags_t, const char* name, const char* fmt, ...) {
        char buf[4096];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        std::lock_guard lock(get().mutex_);
        get().lines_.push_back(std::string(name) + ": " + buf);
    }
    std::vector<std::string> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    bool contains(const std::string& needle) {
        for (const auto& l : lines()) {
            if (l.find(needle) != std::string::npos) return true;
        }
        return false;
    }
    std::string dump() {
        std::string all;
        for (const auto& l : lines()) all += l + "\n";
        return all;
    }

  private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
};

// A NULL-terminated "name=value" (or plain) string array that owns its strings.
class CArray {
  public:
    CArray(std::initializer_list<std::string> items) : items_(items) { rebuild(); }
    explicit CArray(std::vector<std::string> items) : items_(std::move(items)) { rebuild(); }
    CArray(const CArray& o) : items_(o.items_) { rebuild(); }
    void add(std::string item) {
        items_.push_back(std::move(item));
        rebuild();
    }
    const char** get() { return ptrs_.data(); }

  private:
    void rebuild() {
        ptrs_.clear();
        for (const auto& s : items_) ptrs_.push_back(s.c_str());
        ptrs_.push_back(nullptr);
    }
    std::vector<std::string> items_;
    std::vector<const char*> ptrs_;
};

class PluginUnderTest {
  public:
    using OpenFn = int (*)(int, const openvpn_plugin_args_open_in*,
                           openvpn_plugin_args_open_return*);
    using FuncFn = int (*)(int, const openvpn_plugin_args_func_in*,
                           openvpn_plugin_args_func_return*);
    using CloseFn = void (*)(openvpn_plugin_handle_t);
    using IntFn = int (*)();
    using ConstructFn = void* (*)(openvpn_plugin_handle_t);
    using DestructFn = void (*)(openvpn_plugin_handle_t, void*);

    PluginUnderTest() {
        lib_ = ::dlopen(WARDEN_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
        if (lib_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
        open_ = reinterpret_cast<OpenFn>(::dlsym(lib_, "openvpn_plugin_open_v3"));
        func_ = reinterpret_cast<FuncFn>(::dlsym(lib_, "openvpn_plugin_func_v3"));
        close_ = reinterpret_cast<CloseFn>(::dlsym(lib_, "openvpn_plugin_close_v1"));
        init_point_ =
            reinterpret_cast<IntFn>(::dlsym(lib_, "openvpn_plugin_select_initialization_point_v1"));
        min_version_ =
            reinterpret_cast<IntFn>(::dlsym(lib_, "openvpn_plugin_min_version_required_v1"));
        construct_ =
            reinterpret_cast<ConstructFn>(::dlsym(lib_, "openvpn_plugin_client_constructor_v1"));
        destruct_ =
            reinterpret_cast<DestructFn>(::dlsym(lib_, "openvpn_plugin_client_destructor_v1"));
        if (!open_ || !func_ || !close_) throw std::runtime_error("plugin entry points missing");
    }
    ~PluginUnderTest() {
        close();
        ::dlclose(lib_);
    }

    // open_v3 with argv = {path, args...}; returns the OPENVPN_PLUGIN_FUNC_* code.
    int open(std::vector<std::string> args, unsigned major = 2, unsigned minor = 6,
             ovpnSSLAPI ssl_api = SSLAPI_OPENSSL) {
        args.insert(args.begin(), WARDEN_PLUGIN_PATH);
        CArray argv(args);
        CArray envp{"verb=3"};
        callbacks_.plugin_log = &LogSink::callback;
        const int all_types = (1 << OPENVPN_PLUGIN_N) - 1;
        openvpn_plugin_args_open_in in{all_types, argv.get(), envp.get(), &callbacks_, ssl_api,
                                       "2.6.14",  major,      minor,      ".14"};
        openvpn_plugin_args_open_return out{};
        const int rc = open_(OPENVPN_PLUGINv3_STRUCTVER, &in, &out);
        if (rc == OPENVPN_PLUGIN_FUNC_SUCCESS) {
            handle_ = out.handle;
            type_mask_ = out.type_mask;
        }
        return rc;
    }

    // `client`: a per-client context from new_client(); `cert` at `cert_depth` as OpenVPN
    // passes them at TLS_VERIFY (depth -1 without a certificate).
    int call(int type, CArray& envp, std::vector<std::string> extra_argv = {},
             void* client = nullptr, X509* cert = nullptr, int cert_depth = -1) {
        extra_argv.insert(extra_argv.begin(), WARDEN_PLUGIN_PATH);
        CArray argv(extra_argv);
        openvpn_plugin_args_func_in in{type,   argv.get(), envp.get(), handle_,
                                       client, cert_depth, cert};
        openvpn_plugin_args_func_return out{};
        return func_(OPENVPN_PLUGINv3_STRUCTVER, &in, &out);
    }
    // A hook the plugin did not register: it only flushes queued log lines.
    void flush_log() {
        CArray envp{"verb=3"};
        call(OPENVPN_PLUGIN_UP, envp);
    }

    // OpenVPN's per-client context of a new client instance, and its end.
    void* new_client() { return construct_ != nullptr ? construct_(handle_) : nullptr; }
    void delete_client(void* client) {
        if (destruct_ != nullptr) destruct_(handle_, client);
    }

    void close() {
        if (handle_ != nullptr) close_(handle_);
        handle_ = nullptr;
    }
    bool is_open() const { return handle_ != nullptr; }
    int type_mask() const { return type_mask_; }
    int init_point() const { return init_point_ ? init_point_() : -1; }
    int min_version() const { return min_version_ ? min_version_() : -1; }

  private:
    void* lib_ = nullptr;
    OpenFn open_ = nullptr;
    FuncFn func_ = nullptr;
    CloseFn close_ = nullptr;
    IntFn init_point_ = nullptr;
    IntFn min_version_ = nullptr;
    ConstructFn construct_ = nullptr;
    DestructFn destruct_ = nullptr;
    openvpn_plugin_handle_t handle_ = nullptr;
    int type_mask_ = 0;
    openvpn_plugin_callbacks callbacks_{};
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void touch(const std::string& path) {
    std::ofstream(path).close();
}

// Polls (every 2 ms, bounded) until the file is non-empty; returns its content or "".
inline std::string wait_for_content(const std::string& path,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::string content = read_file(path);
        if (!content.empty() || std::chrono::steady_clock::now() >= until) return content;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// Polls `pred` (every 2 ms, bounded).
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

}  // namespace warden::testing

#include "daemon/app/daemon.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio.hpp>

#include <ctime>

#include "common/log.hpp"
#include "daemon/app/batch_writer.hpp"
#include "daemon/app/license_watch.hpp"
#include "daemon/app/managed_sessions.hpp"
#include "daemon/control/authority.hpp"
#include "daemon/control/registry.hpp"
#include "daemon/control/services.hpp"
#include "daemon/core/auth_service.hpp"
#include "daemon/server/admin_server.hpp"
#include "daemon/server/plugin_server.hpp"

namespace warden::app {
namespace asio = boost::asio;

namespace {

constexpr auto kLogFlushInterval = std::chrono::milliseconds(200);

std::int64_t wall_clock() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

class Daemon {
  public:
    Daemon(const core::Config& config, std::unique_ptr<store::Store> store,
           std::unique_ptr<store::Store> writer_store)
        : config_(config),
          store_(std::move(store)),
          writer_(std::move(writer_store)),
          authority_(config.pki_dir(), config.cert_days, config.crl_days),
          auth_(*store_, table_, core::VpnPool{config.pool, config.pool.first() + 1}, wall_clock),
          sessions_(io_, config, table_, *store_),
          licenses_(io_, *store_, sessions_, wall_clock),
          services_{config_, *store_, authority_, sessions_, wall_clock},
          plugin_server_(io_, config.plugin_socket, auth_,
                         {std::chrono::milliseconds(config.testing_verdict_delay_ms),
                          wire::kDefaultMaxFrame, config.plugin_socket_group}),
          admin_server_(io_, config.admin_socket, registry_,
                        {config.admin_group, config.viewer_group}),
          signals_(io_, SIGTERM, SIGINT),
          flush_timer_(io_) {
        services_.plugin_connections = [this] { return plugin_server_.connection_count(); };
        services_.licenses_changed = [this] { licenses_.rearm(); };
        control::register_all_commands(registry_, services_);
    }

    int run() {
        // The CRL on disk must match the store before OpenVPN checks a handshake against it.
        authority_.write_crl(store_->revoked_serials(), wall_clock());
        plugin_server_.start();
        admin_server_.start();
        sessions_.start();
        licenses_.start();
        schedule_flush();
        signals_.async_wait([this](auto ec, int signo) {
            if (ec) return;
            log::info("wardend stopping", {{"signal", std::to_string(signo)}});
            shutdown();
        });
        ::sd_notify(0, "READY=1");
        log::info("wardend ready", {{"devices", std::to_string(store_->device_count())},
                                    {"plugin_socket", config_.plugin_socket},
                                    {"admin_socket", config_.admin_socket}});
        io_.run();
        flush();
        return 0;
    }

  private:
    void schedule_flush() {
        flush_timer_.expires_after(kLogFlushInterval);
        flush_timer_.async_wait([this](auto ec) {
            if (ec) return;
            flush();
            schedule_flush();
        });
    }

    void flush() { writer_.submit(auth_.take_batch()); }

    void shutdown() {
        ::sd_notify(0, "STOPPING=1");
        flush_timer_.cancel();
        plugin_server_.stop();
        admin_server_.stop();
        sessions_.stop();
        licenses_.stop();
    }

    asio::io_context io_;
    const core::Config& config_;
    std::unique_ptr<store::Store> store_;
    BatchWriter writer_;
    control::Authority authority_;
    core::SessionTable table_;
    core::AuthService auth_;
    ManagedSessions sessions_;
    LicenseWatch licenses_;
    control::Registry registry_;
    control::Services services_;
    server::PluginServer plugin_server_;
    server::AdminServer admin_server_;
    asio::signal_set signals_;
    asio::steady_timer flush_timer_;
};

}  // namespace

int run_daemon(const core::Config& config) {
    auto opened = store::open_sqlite(config.database_path());
    auto for_writer =
        opened.store ? store::open_sqlite(config.database_path()) : store::OpenResult{};
    if (!opened.store || !for_writer.store) {
        log::error("cannot open state",
                   {{"error", opened.error.empty() ? for_writer.error : opened.error}});
        return 1;
    }
    Daemon daemon(config, std::move(opened.store), std::move(for_writer.store));
    return daemon.run();
}

}  // namespace warden::app

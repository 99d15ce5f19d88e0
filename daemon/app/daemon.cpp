#include "daemon/app/daemon.hpp"

#include <boost/asio.hpp>

#include <malloc.h>

#include <csignal>
#include <set>

#include "common/log.hpp"
#include "daemon/app/activity_syslog.hpp"
#include "daemon/app/availability_watch.hpp"
#include "daemon/app/batch_writer.hpp"
#include "daemon/app/config_reloader.hpp"
#include "daemon/app/crl_watch.hpp"
#include "daemon/app/http_setup.hpp"
#include "daemon/app/kernel_routes.hpp"
#include "daemon/app/license_watch.hpp"
#include "daemon/app/mail_setup.hpp"
#include "daemon/app/managed_sessions.hpp"
#include "daemon/app/metrics_setup.hpp"
#include "daemon/app/node_sync.hpp"
#include "daemon/app/open_store.hpp"
#include "daemon/app/release_watch.hpp"
#include "daemon/app/route_worker.hpp"
#include "daemon/app/systemd_notifier.hpp"
#include "daemon/control/authority.hpp"
#include "daemon/control/enrollment.hpp"
#include "daemon/control/registry.hpp"
#include "daemon/control/services.hpp"
#include "daemon/core/auth_service.hpp"
#include "daemon/core/service_state.hpp"
#include "daemon/firewall/firewall.hpp"
#include "daemon/firewall/sweeper.hpp"
#include "daemon/server/admin_server.hpp"
#include "daemon/server/plugin_server.hpp"

namespace warden::app {
namespace asio = boost::asio;

namespace {

constexpr auto kLogFlushInterval = std::chrono::milliseconds(200);
// Kernel routes are checked often while OpenVPN's tun device is missing (it appears when
// OpenVPN starts or restarts) and rarely once they are in place.
constexpr auto kRouteRetry = std::chrono::milliseconds(500);
constexpr auto kRouteRecheck = std::chrono::seconds(10);
// How often the firewall's table is checked (and a failed refresh retried): an external
// `nft flush ruleset` is undone within this much (one small listing per check).
constexpr auto kFirewallCheck = std::chrono::seconds(2);

std::string routed_device(const core::Config& config) {
    return config.instances.empty() ? std::string() : config.instances.front().tun_device;
}

class Daemon {
  public:
    Daemon(core::Config& config, const std::string& config_path,
           std::unique_ptr<store::Store> store, std::unique_ptr<store::Store> writer_store,
           std::unique_ptr<cluster::NodeLink> link)
        : config_(config),
          reloader_(config, config_path),
          activity_syslog_(config.log),
          store_(activity_syslog_.watching(std::move(store))),
          writer_(activity_syslog_.watching(std::move(writer_store))),
          authority_(config.pki_dir(), config.cert_days, config.crl_days),
          auth_(*store_, table_, core::VpnPool{config.pool, config.pool.first() + 1}, clock_,
                {config.auth.max_failures, config.auth.lock_seconds, config.auth.token_lifetime}),
          sessions_(io_, config, table_, *store_, clock_),
          link_(std::move(link)),
          cluster_sessions_(link_ ? std::make_unique<cluster::ClusterSessions>(
                                        sessions_, *link_, [this] { return clock_.now(); })
                                  : nullptr),
          licenses_(io_, *store_, sessions_, clock_),
          crl_watch_(io_, authority_, *store_, clock_),
          // link_base: the lead wires [http] public_url here with the confirmation page.
          tr_(*store_, clock_, {config.http.public_url, config.tr.resend_interval}),
          releases_(io_, *store_, sessions_, clock_, [this] { reload_tr(); }),
          services_{config_, *store_, authority_, session_control(), clock_, node_name(config)},
          plugin_server_(
              io_, config.plugin_socket, auth_,
              {std::chrono::milliseconds(config.testing_verdict_delay_ms), wire::kDefaultMaxFrame,
               config.plugin_socket_group, config.plugin_socket_user}),
          admin_server_(io_, config.admin_socket, registry_,
                        {config.admin_group, config.viewer_group},
                        {static_cast<std::size_t>(config.admin_max_connections),
                         static_cast<std::size_t>(config.admin_max_connections_per_user),
                         std::chrono::seconds(config.admin_idle_timeout)}),
          signals_(io_, SIGTERM, SIGINT),
          flush_timer_(io_),
          route_timer_(io_),
          routes_(routed_device(config), [this](KernelRoutes::Result result) {
              asio::post(io_, [this, result] { routes_synced(result); });
          }) {
        // Nodes sharing a database take each TOTP step there before the verdict: a code
        // used on one node must be refused on every other.
        auth_.write_logins_after_reply(clock_.now(), link_ != nullptr);
        if (link_)
            node_sync_ = std::make_unique<NodeSync>(
                io_, config, *link_, *cluster_sessions_, clock_,
                [this](const core::ChangeEffects& e) { apply_remote_changes(e); });
        services_.plugin_connections = [this] { return plugin_server_.connection_count(); };
        services_.verdict_stats = [this] { return plugin_server_.stats(); };
        services_.licenses_changed = [this] { licenses_.rearm(); };
        clock_.on_jump([this] { licenses_.rearm(); });
        services_.crl_status = [this] { return crl_watch_.status(); };
        clock_.on_jump([this] { crl_watch_.check(); });
        wire_time_restriction();
        wire_enrollment();
        control::register_all_commands(registry_, services_);
        if (config.firewall.enabled) {
            nft_ = std::make_unique<firewall::NftApplier>();
            // Flow sweeps run on their own thread: a change returns without waiting for them.
            conntrack_ = std::make_unique<firewall::BackgroundCutter>(
                std::make_unique<firewall::ConntrackCutter>(), config.firewall.table);
            // The server's own VPN address: its flows are not forwarded, never cut.
            firewall_ = std::make_unique<firewall::Firewall>(
                config.firewall.table, config.pool, *store_, *nft_, conntrack_.get(),
                std::set<std::uint32_t>{config.pool.first() + 1});
            services_.firewall_health = [this] { return firewall_health(); };
        }
        registry_.before_command([this] { auth_.after_replies(); });
        wire_availability();
        auth_.on_withdrawn_admission(
            [this](const core::LiveSession& client, const std::string& why) {
                sessions_.end_client(client, why);
            });
        registry_.after_write([this](const std::string& command) {
            // Before the command replies: a verdict right after it sees the change.
            const unsigned parts = core::VerdictIndex::parts_changed_by(command);
            auth_.refresh(parts);
            if (parts != 0) plugin_server_.invalidate_prefetches();
            sync_routes();
            return firewall_ ? refresh_firewall(command) : std::string();
        });
    }

    // Refuses to start rather than run with mail that cannot work (e.g. a password file
    // others may read): the operator would only learn of it when a mail is lost.
    bool start_mail() {
        std::string error;
        mail_ = make_mail_queue(config_, *store_, clock_, error);
        if (!mail_) {
            log::error("wardend not started: mail could not be set up", {{"error", error}});
            return false;
        }
        services_.mail = mail_outbox(*mail_);
        tr_.set_mailer(services_.mail->enqueue);
        // A clock jump (tests) moves every retry's due time: the worker looks again.
        clock_.on_jump([this] { mail_->wake(); });
        mail_->start();
        return true;
    }

    int run() {
        // Before anything reads the store: the change feed starts where the state was read.
        if (node_sync_) {
            if (auto err = node_sync_->prepare(); !err.empty()) {
                log::error("wardend not started: the node could not join", {{"error", err}});
                return 1;
            }
        }
        // The CRL and pki/revoked must match the store before OpenVPN checks a handshake
        // against them: fail closed, a stale one would admit revoked certificates.
        if (!crl_watch_.start()) {
            log::error("wardend not started: the CRL or pki/revoked could not be written",
                       {{"path", authority_.crl_path()}, {"error", crl_watch_.status().alarm}});
            return 1;
        }
        // Fail closed: without its firewall the daemon admits no one.
        if (firewall_ && !firewall_->refresh().ok()) {
            log::error("wardend not started: the firewall could not be applied",
                       {{"table", config_.firewall.table},
                        {"hint", "run as root, or set [firewall] enabled = false"}});
            return 1;
        }
        if (config_.mail.enabled && !start_mail()) return 1;
        if (!start_http(io_, config_.http, tr_.port(), http_)) return 1;
        if (!start_metrics(io_, config_.metrics, metrics_sources(), metrics_)) return 1;
        auth_.refresh();  // the verdict index, before the first verdict
        if (node_sync_) node_sync_->start();
        availability_.start(!config_.instances.empty());
        plugin_server_.start();
        admin_server_.start();
        sessions_.start();
        licenses_.start();
        releases_.start();
        schedule_flush();
        sync_routes();
        if (firewall_) schedule_firewall_check();
        // Start-up read every device more than once (the index, the availability watch,
        // routes); hand the freed pages back so RSS is what wardend keeps (100 000
        // devices: 91 MB without this, 57 MB with it; bench/RESULTS.md).
        ::malloc_trim(0);
        signals_.async_wait([this](auto ec, int signo) {
            if (ec) return;
            log::info("wardend stopping", {{"signal", std::to_string(signo)}});
            shutdown();
        });
        notifier_.ready();  // the firewall table and both sockets are in place
        wait_for_reload();
        log::info("wardend ready", {{"devices", std::to_string(store_->device_count())},
                                    {"plugin_socket", config_.plugin_socket},
                                    {"admin_socket", config_.admin_socket},
                                    {"store", store_description(config_)}});
        run_through_store_outages();
        flush();
        return 0;
    }

    // A handler that met an unreachable database (PostgreSQL restarting or failing over)
    // gave up its work: the loop goes on, verdicts keep coming from memory and the store
    // reconnects before its next statement. Any other exception still stops wardend.
    void run_through_store_outages() {
        for (;;) {
            try {
                io_.run();
                return;
            } catch (const store::StoreError& e) {
                if (!e.unavailable()) throw;
                log::error("store unavailable", {{"error", e.what()}});
            }
        }
    }

  private:
    control::SessionControl& session_control() {
        if (cluster_sessions_) return *cluster_sessions_;
        return sessions_;
    }

    // What another node's committed change means here (core/change_effects.hpp). Throws
    // store::StoreError while the database is away: NodeSync tries again.
    void apply_remote_changes(const core::ChangeEffects& e) {
        if (e.index_parts != 0) {
            auth_.refresh(e.index_parts);
            plugin_server_.invalidate_prefetches();
        }
        if (e.recheck_sessions) sessions_.recheck();
        if (e.crl) crl_watch_.check();
        if (e.routes) sync_routes();
        if (e.firewall && firewall_) refresh_firewall("");
        if (e.tr_schedule) releases_.rearm();
        if ((e.index_parts & core::VerdictIndex::kLicenses) != 0) licenses_.rearm();
    }

    MetricsSources metrics_sources() {
        MetricsSources m;
        m.verdicts = [this] { return plugin_server_.stats(); };
        m.logins = [this] { return auth_.login_counts(); };
        m.sessions = [this] { return std::uint64_t{table_.size()}; };
        m.plugin_connections = [this] { return std::uint64_t{plugin_server_.connection_count()}; };
        m.firewall = [this] {
            if (!firewall_) return std::optional<core::FirewallMetrics>();
            const auto h = firewall_->health();
            return std::optional(core::FirewallMetrics{h.applies, h.apply_failures, h.apply_seconds,
                                                       h.last_apply, h.repairs,
                                                       h.state != firewall::Health::State::Ok});
        };
        m.crl = [this] { return crl_watch_.status(); };
        m.store = store_.get();
        m.authority = &authority_;
        m.mail_enabled = config_.mail.enabled;
        m.started_at = clock_.now();
        return m;
    }

    // Availability alerts hear of every state change after the verdict's reply (posted:
    // a recovery alert writes to the store), and of what OpenVPN lists once its
    // management interface is up (the state rebuilt after a restart).
    void wire_availability() {
        auth_.on_state_change([this](std::int64_t id, store::DeviceState state, std::int64_t at) {
            asio::post(io_, [this, id, state, at] { availability_.state_changed(id, state, at); });
        });
        sessions_.on_listed(
            [this](std::int64_t as_of) { availability_.sessions_listed(sessions_.list(), as_of); });
        clock_.on_jump([this] { availability_.rearm(); });
    }

    // Time-restricted access: a refused attempt mails a token after the reply (never on
    // the verdict path); a release or setting that changes outside a registry command
    // (the confirmation page, the release timer) reloads the index and drops prefetched
    // verdicts as the after-write hook does.
    void wire_time_restriction() {
        services_.tr = &tr_;
        services_.tr_changed = [this] { releases_.rearm(); };
        tr_.on_changed([this] {
            reload_tr();
            releases_.rearm();
        });
        clock_.on_jump([this] { releases_.rearm(); });
        auth_.on_not_released([this](std::int64_t device_id) {
            asio::post(io_, [this, device_id] { tr_.attempt_refused(device_id); });
        });
    }

    // Enrollment: a refused certificate of a listed CA is recorded after the reply (the
    // verdict path never writes), and OpenVPN's CA bundle matches the store from the start.
    void wire_enrollment() {
        auth_.set_enroll_policy(config_.enroll);
        auth_.on_sighting([this](core::Sighting what, const store::CertSighting& cert) {
            asio::post(io_,
                       [this, what, cert] { control::record_sighting(services_, what, cert); });
        });
    }

    void reload_tr() {
        auth_.refresh(core::VerdictIndex::kTimeRestriction);
        plugin_server_.invalidate_prefetches();
    }

    // After every admin change: only what changed reaches the kernel (often nothing). A
    // rule command changes only rules, so the devices need not be read again. Returns ""
    // or the admin's error: the change is stored, the timer retries the firewall.
    std::string refresh_firewall(const std::string& command) {
        const bool rules_only = command.rfind("rule.", 0) == 0;
        std::string error;
        try {
            error = firewall_
                        ->refresh(rules_only ? firewall::Firewall::Scope::Rules
                                             : firewall::Firewall::Scope::All)
                        .error;
        } catch (const std::exception& e) {
            error = e.what();
            firewall_->failed(error);
            log::error("firewall refresh failed", {{"error", error}});
        }
        if (error.empty()) return error;
        return "the change is stored but the firewall could not be applied (" + error +
               "); it will be retried";
    }

    void schedule_firewall_check() {
        firewall_timer_.expires_after(kFirewallCheck);
        firewall_timer_.async_wait([this](auto ec) {
            if (ec) return;
            try {
                firewall_->check();
            } catch (const std::exception& e) {
                firewall_->failed(e.what());
                log::error("firewall check failed", {{"error", e.what()}});
            }
            schedule_firewall_check();
        });
    }

    std::optional<control::FirewallHealthView> firewall_health() const {
        const auto& h = firewall_->health();
        return control::FirewallHealthView{firewall::state_name(h.state), h.last_apply,
                                           h.last_error, h.repairs, h.flows_cut};
    }

    void schedule_flush() {
        flush_timer_.expires_after(kLogFlushInterval);
        flush_timer_.async_wait([this](auto ec) {
            if (ec) return;
            flush();
            schedule_flush();
        });
    }

    void flush() {
        auth_.after_replies();  // normally done already, right after the replies
        writer_.submit(auth_.take_batch());
    }

    // Routes every router's accessible network into the first instance's tun device.
    // (With several instances, routers on the others need operator routes for now.)
    // The sync itself (`ip`) runs on the route worker's thread, never on this loop.
    // With several nodes, devices connected to another node are routed via that node.
    // The database away: the routes stay as they are and the timer tries again.
    void sync_routes() {
        if (routed_device(config_).empty() || stopping_) return;
        try {
            auto wanted = core::routed_networks(store_->routed_networks());
            if (link_) wanted = core::routes_across_nodes(std::move(wanted), devices_elsewhere());
            routes_.request(std::move(wanted));
        } catch (const store::StoreError& e) {
            if (!e.unavailable()) throw;
            routes_synced(KernelRoutes::Result::Failed);
        }
    }

    // Devices connected to another node and not to this one (a device that moved here
    // is routed here, even before the other node publishes that it left).
    std::vector<core::DeviceElsewhere> devices_elsewhere() {
        auto elsewhere = link_->devices_elsewhere();
        std::erase_if(elsewhere, [this](const core::DeviceElsewhere& d) {
            return table_.device_online(d.device_id);
        });
        return elsewhere;
    }

    void routes_synced(KernelRoutes::Result result) {
        if (stopping_) return;
        const bool settled =
            result == KernelRoutes::Result::InSync || result == KernelRoutes::Result::Changed;
        route_timer_.expires_after(settled ? std::chrono::milliseconds(kRouteRecheck)
                                           : kRouteRetry);
        route_timer_.async_wait([this](auto ec) {
            if (!ec) sync_routes();
        });
    }

    // SIGHUP (systemctl reload): re-read wardend.conf, tell systemd before and after.
    void wait_for_reload() {
        reload_signal_.async_wait([this](auto ec, int) {
            if (ec || stopping_) return;
            notifier_.reloading();
            const std::string error = reloader_.reload();
            activity_syslog_.configure(config_.log);
            reload_note_ = error.empty() ? std::string() : "config reload failed: " + error;
            notifier_.ready();
            wait_for_reload();
        });
    }

    void shutdown() {
        notifier_.stopping();
        reload_signal_.cancel();
        stopping_ = true;
        flush_timer_.cancel();
        route_timer_.cancel();
        firewall_timer_.cancel();
        plugin_server_.stop();
        admin_server_.stop();
        sessions_.stop();
        licenses_.stop();
        availability_.stop();
        releases_.stop();
        crl_watch_.stop();
        if (node_sync_) node_sync_->stop();
        if (mail_) mail_->stop();
        if (http_) http_->stop();
        if (metrics_) metrics_->stop();
        if (firewall_ && config_.firewall.remove_on_stop) firewall_->remove();
    }

    asio::io_context io_;
    const core::Config& config_;
    ConfigReloader reloader_;         // SIGHUP: takes the reloadable keys into config_
    ActivitySyslog activity_syslog_;  // before the stores: they report to it until destroyed
    std::unique_ptr<store::Store> store_;
    BatchWriter writer_;
    control::Authority authority_;
    core::Clock clock_;
    core::SessionTable table_;
    core::AuthService auth_;
    ManagedSessions sessions_;
    std::unique_ptr<cluster::NodeLink> link_;  // PostgreSQL only: several nodes
    std::unique_ptr<cluster::ClusterSessions> cluster_sessions_;
    LicenseWatch licenses_;
    CrlWatch crl_watch_;
    tr::TrService tr_;  // the confirmation page (daemon/http) binds tr_.port()
    ReleaseWatch releases_;
    control::Registry registry_;
    control::Services services_;
    std::unique_ptr<mail::MailQueue> mail_;      // [mail] enabled only
    std::unique_ptr<http::HttpServer> http_;     // [http] listen set only
    std::unique_ptr<http::HttpServer> metrics_;  // [metrics] listen set only
    AvailabilityWatch availability_{io_, *store_, config_, clock_, services_.mail};
    std::unique_ptr<firewall::NftApplier> nft_;
    std::unique_ptr<firewall::FlowCutter> conntrack_;
    std::unique_ptr<firewall::Firewall> firewall_;
    server::PluginServer plugin_server_;
    server::AdminServer admin_server_;
    asio::signal_set signals_;
    asio::steady_timer flush_timer_;
    asio::steady_timer route_timer_;
    RouteWorker routes_;  // after io_: its thread posts to it until joined
    asio::steady_timer firewall_timer_{io_};
    std::unique_ptr<NodeSync> node_sync_;  // PostgreSQL only
    bool stopping_ = false;
    std::string reload_note_;  // in STATUS= until a reload succeeds
    SystemdNotifier notifier_{io_, [this] {
                                  return core::service_status(store_->device_count(), table_.size(),
                                                              reload_note_);
                              }};
    asio::signal_set reload_signal_{io_, SIGHUP};
};

}  // namespace

int run_daemon(core::Config& config, const std::string& config_path) {
    // A helper (ip) that exits early must not kill the daemon through a closed pipe.
    ::signal(SIGPIPE, SIG_IGN);
    auto opened = open_store(config);
    auto for_writer = opened.store ? open_store(config) : store::OpenResult{};
    if (!opened.store || !for_writer.store) {
        log::error("cannot open state",
                   {{"store", store_description(config)},
                    {"error", opened.error.empty() ? for_writer.error : opened.error}});
        return 1;
    }
    std::unique_ptr<cluster::NodeLink> link;
    if (config.store.backend == core::StoreConfig::Backend::Postgresql) {
        try {
            link = std::make_unique<cluster::NodeLink>(config.store.url, node_name(config),
                                                       node_application_name(config));
        } catch (const store::StoreError& e) {
            log::error("cannot open state",
                       {{"store", store_description(config)}, {"error", e.what()}});
            return 1;
        }
    }
    Daemon daemon(config, config_path, std::move(opened.store), std::move(for_writer.store),
                  std::move(link));
    return daemon.run();
}

}  // namespace warden::app

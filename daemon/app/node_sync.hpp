// One node among several on a PostgreSQL state (issue 14), on the daemon's loop:
// registers the node and checks it shares the others' CA and keys, publishes its live
// sessions, and turns the change feed's batches (other nodes' committed changes) into
// effects the daemon applies (`apply`) and orders it carries out. An effect that fails
// while the database is away is kept and tried again, so nothing the feed delivered is
// lost.
#pragma once

#include <boost/asio.hpp>

#include <functional>
#include <memory>
#include <string>

#include "daemon/cluster/change_feed.hpp"
#include "daemon/cluster/cluster_sessions.hpp"
#include "daemon/core/change_effects.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/config.hpp"

namespace warden::app {

class NodeSync {
  public:
    using Apply = std::function<void(const core::ChangeEffects&)>;
    NodeSync(boost::asio::io_context& io, const core::Config& config, cluster::NodeLink& link,
             cluster::ClusterSessions& sessions, const core::Clock& clock, Apply apply);
    ~NodeSync();

    // Before the node loads its state: registers it, checks the shared pki files, and
    // notes where the change log stands. "" or why the node must not start.
    std::string prepare();
    void start();
    void stop();

    static constexpr auto kPublishInterval = std::chrono::seconds(1);
    static constexpr auto kHeartbeat = std::chrono::seconds(30);
    static constexpr auto kRetry = std::chrono::seconds(1);

  private:
    void delivered(const cluster::ChangeBatch& batch);
    void apply_pending();
    void publish();
    void arm_publish();

    boost::asio::io_context& io_;
    const core::Config& config_;
    cluster::NodeLink& link_;
    cluster::ClusterSessions& sessions_;
    const core::Clock& clock_;
    Apply apply_;
    std::unique_ptr<cluster::ChangeFeed> feed_;
    std::int64_t start_after_ = 0;
    // Delivered, not applied yet (the database was away), and what the log line says of it.
    core::ChangeEffects pending_;
    std::size_t pending_changes_ = 0;
    std::int64_t pending_last_ = 0;
    bool pending_lost_track_ = false;
    std::vector<cluster::NodeSession> published_;
    std::chrono::steady_clock::time_point published_at_{};
    bool publish_failing_ = false;
    bool stopping_ = false;
    boost::asio::steady_timer publish_timer_;
    boost::asio::steady_timer retry_timer_;
};

}  // namespace warden::app

#include "daemon/app/node_sync.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "common/log.hpp"
#include "daemon/app/open_store.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {
namespace asio = boost::asio;
namespace {

// The files every node must hold the same copy of: the CA (certificates one node issues
// are checked by all), the tls-crypt key (handshakes) and the auth-gen-token key (a token
// one node gave is valid on every other).
constexpr std::array<const char*, 4> kSharedFiles = {"ca.crt", "ca.key", "tls-crypt.key",
                                                     "auth-token.key"};

std::string sha256_hex(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 15];
    }
    return out;
}

std::vector<cluster::SharedFile> shared_files(const std::string& pki_dir) {
    std::vector<cluster::SharedFile> out;
    for (const char* name : kSharedFiles) {
        std::ifstream in(pki_dir + "/" + name, std::ios::binary);
        if (!in) continue;  // absent here: nothing to compare (ca.key may live elsewhere)
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back({name, sha256_hex(ss.str())});
    }
    return out;
}

// Traffic counters move all the time; they go out with the heartbeat only.
bool same_sessions(const std::vector<cluster::NodeSession>& a,
                   const std::vector<cluster::NodeSession>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = a[i];
        x.bytes_received = b[i].bytes_received;
        x.bytes_sent = b[i].bytes_sent;
        if (!(x == b[i])) return false;
    }
    return true;
}

}  // namespace

NodeSync::NodeSync(asio::io_context& io, const core::Config& config, cluster::NodeLink& link,
                   cluster::ClusterSessions& sessions, const core::Clock& clock, Apply apply)
    : io_(io),
      config_(config),
      link_(link),
      sessions_(sessions),
      clock_(clock),
      apply_(std::move(apply)),
      publish_timer_(io),
      retry_timer_(io) {}

NodeSync::~NodeSync() {
    stop();
}

std::string NodeSync::prepare() {
    try {
        link_.register_node(config_.store.node_address, clock_.now());
        if (auto err = link_.check_shared_files(shared_files(config_.pki_dir())); !err.empty())
            return err;
        start_after_ = cluster::ChangeFeed::latest_change_id(config_.store.url);
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

void NodeSync::start() {
    feed_ = std::make_unique<cluster::ChangeFeed>(
        config_.store.url, node_application_name(config_), [this](cluster::ChangeBatch batch) {
            asio::post(io_, [this, batch = std::move(batch)] { delivered(batch); });
        });
    feed_->start(start_after_);
    log::info("node joined", {{"node", link_.node()}, {"after", std::to_string(start_after_)}});
    publish();
}

void NodeSync::stop() {
    stopping_ = true;
    publish_timer_.cancel();
    retry_timer_.cancel();
    if (feed_) feed_->stop();
}

void NodeSync::delivered(const cluster::ChangeBatch& batch) {
    if (stopping_) return;
    std::vector<std::string> objects;
    for (const auto& c : batch.changes) objects.push_back(c.object);
    core::merge(pending_, batch.lost_track ? core::all_effects() : core::effects_of(objects));
    pending_changes_ += batch.changes.size();
    if (!batch.changes.empty()) pending_last_ = batch.changes.back().id;
    pending_lost_track_ = pending_lost_track_ || batch.lost_track;
    apply_pending();
}

void NodeSync::apply_pending() {
    if (!pending_.any() || stopping_) return;
    const core::ChangeEffects e = pending_;
    const auto start = std::chrono::steady_clock::now();
    try {
        apply_(e);
        if (e.orders) sessions_.carry_out_orders();
    } catch (const store::StoreError& err) {
        if (!err.unavailable()) throw;
        log::warn("changes from other nodes not applied yet", {{"error", err.what()}});
        retry_timer_.expires_after(kRetry);
        retry_timer_.async_wait([this](auto ec) {
            if (!ec) apply_pending();
        });
        return;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    log::info("changes from other nodes applied",
              {{"changes", std::to_string(pending_changes_)},
               {"last", std::to_string(pending_last_)},
               {"lost_track", pending_lost_track_ ? "yes" : "no"},
               {"ms", std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100)}});
    pending_ = {};
    pending_changes_ = 0;
    pending_lost_track_ = false;
}

// Publishes when the sessions changed, and every kHeartbeat anyway (seen_at).
void NodeSync::publish() {
    if (stopping_) return;
    try {
        auto now_sessions = sessions_.local_sessions();
        const auto due = std::chrono::steady_clock::now() - published_at_ >= kHeartbeat;
        if (due || !same_sessions(now_sessions, published_) || publish_failing_) {
            link_.publish_sessions(now_sessions, clock_.now());
            published_ = std::move(now_sessions);
            published_at_ = std::chrono::steady_clock::now();
            if (publish_failing_) log::info("sessions published again", {{"node", link_.node()}});
            publish_failing_ = false;
        }
    } catch (const store::StoreError& e) {
        if (!e.unavailable()) throw;
        if (!publish_failing_) log::warn("sessions not published", {{"error", e.what()}});
        publish_failing_ = true;
    }
    arm_publish();
}

void NodeSync::arm_publish() {
    publish_timer_.expires_after(kPublishInterval);
    publish_timer_.async_wait([this](auto ec) {
        if (!ec) publish();
    });
}

}  // namespace warden::app

// Follows the shared change log (schema/pg/012_nodes.sql) on its own connection and
// thread (issue 14): LISTEN warden_changes wakes it, then it reads every row after the
// last id it saw. NOTIFY is lost while the connection is down, so after a reconnect the
// same read catches up; a periodic read covers a wake-up lost any other way. Rows the
// node wrote itself are skipped (the node applied them when it made them).
//
// The thread never touches the daemon's state: it hands each batch to `deliver`, which
// must only post the work to the daemon's loop. Connecting blocks this thread, never the
// loop, so verdicts go on while the database is away.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace warden::store::pg {
class Connection;
}

namespace warden::cluster {

struct Change {
    std::int64_t id = 0;
    std::string node;    // the writer's application name
    std::string object;  // the table changed
};

struct ChangeBatch {
    std::vector<Change> changes;  // by other writers, in commit order
    // The feed was away longer than the log keeps rows (or this is the first contact
    // after a start that could not read the log): the node must redo everything.
    bool lost_track = false;
};

class ChangeFeed {
  public:
    using Deliver = std::function<void(ChangeBatch)>;
    struct Options {
        std::chrono::milliseconds retry{1000};        // between connection attempts
        std::chrono::milliseconds safety_read{5000};  // a read without a wake-up
        std::chrono::seconds keep{86400};             // rows older than this are pruned
    };

    // `self`: this node's application name (its own rows are skipped).
    ChangeFeed(std::string conninfo, std::string self, Deliver deliver, Options options);
    ChangeFeed(std::string conninfo, std::string self, Deliver deliver)
        : ChangeFeed(std::move(conninfo), std::move(self), std::move(deliver), Options{}) {}
    ~ChangeFeed();
    ChangeFeed(const ChangeFeed&) = delete;
    ChangeFeed& operator=(const ChangeFeed&) = delete;

    // Starts after `last_seen` (read with latest_change_id() before the node loaded its
    // state, so nothing committed in between is missed).
    void start(std::int64_t last_seen);
    void stop();

    // Times the feed connected (the first time included): tests and status.
    std::uint64_t connects() const { return connects_.load(); }

    // The newest id in the log, 0 when empty. Throws store::StoreError.
    static std::int64_t latest_change_id(const std::string& conninfo);

  private:
    using Steady = std::chrono::steady_clock;
    void run();
    void follow(store::pg::Connection& conn);
    void read_new(store::pg::Connection& conn, bool lost_track);
    bool wait_readable(int fd, std::chrono::milliseconds timeout);  // false: stop
    void sleep_unless_stopped(std::chrono::milliseconds d);

    std::string conninfo_;
    std::string self_;
    Deliver deliver_;
    Options options_;
    // The feed thread's only (start() sets them before the thread exists).
    std::int64_t last_seen_ = 0;
    Steady::time_point last_contact_ = Steady::now();
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> connects_{0};
    int wake_fd_ = -1;  // eventfd: stop() wakes the thread's poll
    std::thread thread_;
};

}  // namespace warden::cluster

#include "daemon/cluster/change_feed.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "common/log.hpp"
#include "daemon/store/pg_handles.hpp"

namespace warden::cluster {
namespace {

constexpr int kReadLimit = 5000;
constexpr auto kPruneInterval = std::chrono::hours(1);

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

ChangeFeed::ChangeFeed(std::string conninfo, std::string self, Deliver deliver, Options options)
    : conninfo_(std::move(conninfo)),
      self_(std::move(self)),
      deliver_(std::move(deliver)),
      options_(options),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ChangeFeed::~ChangeFeed() {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::int64_t ChangeFeed::latest_change_id(const std::string& conninfo) {
    auto conn = store::pg::Connection::open(conninfo);
    return conn.exec("SELECT COALESCE(MAX(id), 0) FROM changes").int64(0, 0);
}

void ChangeFeed::start(std::int64_t last_seen) {
    last_seen_ = last_seen;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void ChangeFeed::stop() {
    stopping_ = true;
    const std::uint64_t one = 1;
    if (wake_fd_ >= 0) [[maybe_unused]]
        auto n = ::write(wake_fd_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
}

bool ChangeFeed::wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
    const int n =
        ::poll(fds, fd >= 0 ? 2 : 1, static_cast<int>(std::max<std::int64_t>(0, timeout.count())));
    return !(n > 0 && (fds[0].revents & POLLIN)) && !stopping_;
}

void ChangeFeed::sleep_unless_stopped(std::chrono::milliseconds d) {
    wait_readable(-1, d);
}

void ChangeFeed::run() {
    bool down = false;
    while (!stopping_) {
        try {
            auto conn = store::pg::Connection::open(conninfo_, self_);
            conn.exec_script("LISTEN warden_changes");
            ++connects_;
            if (down) log::info("change feed connected", {{"after", std::to_string(last_seen_)}});
            down = false;
            // Everything committed while the feed was away (NOTIFY is not kept for it).
            read_new(conn, Steady::now() - last_contact_ > options_.keep / 2);
            follow(conn);
        } catch (const std::exception& e) {
            if (!down) log::warn("change feed disconnected", {{"error", e.what()}});
            down = true;
            sleep_unless_stopped(options_.retry);
        }
    }
}

// Waits for NOTIFY (or the safety read's time), then reads; prunes old rows hourly.
void ChangeFeed::follow(store::pg::Connection& conn) {
    auto next_read = Steady::now() + options_.safety_read;
    auto next_prune = Steady::now();
    while (!stopping_) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_read - Steady::now());
        if (!wait_readable(PQsocket(conn.get()), wait)) return;
        if (PQconsumeInput(conn.get()) == 0)
            throw store::pg::PgError("08006",
                                     std::string("postgresql: ") + PQerrorMessage(conn.get()));
        bool woken = false;
        while (PGnotify* n = PQnotifies(conn.get())) {
            woken = true;
            PQfreemem(n);
        }
        if (woken || Steady::now() >= next_read) {
            read_new(conn, false);
            next_read = Steady::now() + options_.safety_read;
        }
        if (Steady::now() >= next_prune) {
            conn.exec("DELETE FROM changes WHERE at < $1",
                      {unix_now() - static_cast<std::int64_t>(options_.keep.count())});
            next_prune = Steady::now() + kPruneInterval;
        }
    }
}

void ChangeFeed::read_new(store::pg::Connection& conn, bool lost_track) {
    for (;;) {
        const auto rows =
            conn.exec("SELECT id, node, object FROM changes WHERE id > $1 ORDER BY id LIMIT $2",
                      {last_seen_, kReadLimit});
        ChangeBatch batch;
        batch.lost_track = lost_track;
        for (int r = 0; r < rows.rows(); ++r) {
            last_seen_ = rows.int64(r, 0);
            if (rows.text(r, 1) == self_) continue;
            batch.changes.push_back({last_seen_, rows.text(r, 1), rows.text(r, 2)});
        }
        if (!batch.changes.empty() || batch.lost_track) deliver_(std::move(batch));
        lost_track = false;
        if (rows.rows() < kReadLimit) break;
    }
    last_contact_ = Steady::now();
}

}  // namespace warden::cluster

// Keeps pki/crl.pem valid and in step with the store (issue 9). OpenVPN's crl-verify
// refuses every client once the CRL's nextUpdate passes, and lets revoked certificates in
// when the file lost entries; so the keeper judges the FILE ON DISK (core/crl_policy), not
// its memory of what it wrote, and signs a new one when it is missing, unparsable, not
// signed by our CA, listing other serials than the store, expired or past half its life.
//
// One 1 s timer stats the file (cheap); the file is read and judged when its inode, size or
// mtime changed, when the re-sign moment (daemon clock) comes, after a clock jump, and at
// least every kRecheckInterval (then an unchanged file is only compared with the store
// again, without parsing it). A failed re-sign is logged, raises an alarm `status` shows,
// and is retried every kRetryInterval.
//
// It keeps pki/revoked (what server.conf's `crl-verify DIR dir` reads, issue 11) the same
// way: the tick stats the folder, whose mtime moves when an entry is added or removed, and
// brings it in step with the store (control::sync_revoked_dir: readdir, ~0.3 s for 100 000
// serials) when it changed; each check of the CRL does so too when the store's revoked
// serials changed, and at least every kReparseInterval (mtime ticks coarsely: a deletion in
// the same few ms as the last look keeps the stamp). A failure raises the alarm too and is
// retried on the next check.
#pragma once

#include <sys/stat.h>

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/control/authority.hpp"
#include "daemon/control/services.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/crl_policy.hpp"
#include "daemon/pki/pki.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

class CrlWatch {
  public:
    // Signs a CRL listing `revoked` with lastUpdate `now` and writes it; throws on failure.
    using Writer = std::function<void(const std::vector<store::RevokedSerial>&, std::int64_t)>;

    // `write` defaults to authority.write_crl (tests inject failures).
    CrlWatch(boost::asio::io_context& io, const control::Authority& authority, store::Store& store,
             const core::Clock& clock, Writer write = {});

    // Judges the file and the folder now and starts polling. False when the CRL is not
    // good and could not be rewritten, or the folder could not be brought in step: the
    // daemon then refuses to start (either would admit revoked certificates).
    bool start();
    void stop();

    // Reads and judges the file whatever its stat says (start, clock jump); re-signs it
    // when needed; brings the folder in step. True when both are good afterwards.
    bool check();
    // One timer tick: judges the file only when it changed or a check is due.
    void poll();

    control::CrlStatus status() const;

    static constexpr auto kPollInterval = std::chrono::seconds(1);
    static constexpr auto kRecheckInterval = std::chrono::seconds(10);
    static constexpr auto kRetryInterval = std::chrono::seconds(5);
    static constexpr auto kReparseInterval = std::chrono::seconds(60);

  private:
    using Steady = std::chrono::steady_clock;

    // What identifies one version of the file without reading it.
    struct Stamp {
        bool exists = false;
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = 0;
        std::int64_t mtime_ns = 0;
        bool operator==(const Stamp&) const = default;
    };
    struct Reading {
        Stamp stamp;
        core::CrlFacts facts;
        std::vector<store::RevokedSerial> revoked;  // the store's, when the file was read
    };

    struct Parsed {
        Stamp stamp;
        pki::CrlInfo info;
        Steady::time_point until;  // trusted by its stamp until then
    };

    Stamp stamp() const;
    Stamp dir_stamp() const;
    // Brings pki/revoked in step with `revoked` unless nothing changed since the last sync
    // and no full look is due. True when it is in step.
    bool sync_dir(const std::vector<store::RevokedSerial>& revoked);
    Reading read();
    // The CRL in the file with `stamp`; `present` false when it could not be read.
    std::optional<pki::CrlInfo> parse(const Stamp& stamp, bool& present);
    // Judges `reading`; records the file's state when it is good.
    core::CrlVerdict judge(const Reading& reading, std::int64_t now);
    bool resign(const Reading& reading, std::string_view reason, std::int64_t now);
    void fail(std::string_view reason, const std::string& error);
    void arm();

    boost::asio::steady_timer timer_;
    const control::Authority& authority_;
    store::Store& store_;
    const core::Clock& clock_;
    Writer write_;
    Stamp last_stamp_;
    std::int64_t resign_at_ = 0;  // daemon clock; 0: judge on the next poll
    Steady::time_point next_check_{};
    std::optional<Parsed> parsed_;  // the last file that parsed
    std::optional<std::int64_t> next_update_;
    std::string alarm_;
    Stamp last_dir_stamp_;
    std::vector<std::string> synced_serials_;  // the store's, at the last sync
    Steady::time_point dir_full_at_{};         // the next sync whatever changed
    std::string dir_alarm_;
    bool running_ = false;
};

}  // namespace warden::app

#include "daemon/app/crl_watch.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/log.hpp"
#include "common/text.hpp"
#include "daemon/control/revoked_dir.hpp"
#include "daemon/pki/pki.hpp"

namespace warden::app {
namespace {

std::vector<std::string> sorted_serials(const std::vector<store::RevokedSerial>& revoked) {
    std::vector<std::string> out;
    out.reserve(revoked.size());
    for (const auto& r : revoked) out.push_back(text::normalize_serial(r.serial));
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::string> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

CrlWatch::CrlWatch(boost::asio::io_context& io, const control::Authority& authority,
                   store::Store& store, const core::Clock& clock, Writer write)
    : timer_(io), authority_(authority), store_(store), clock_(clock), write_(std::move(write)) {
    if (!write_)
        write_ = [this](const auto& revoked, std::int64_t at) {
            authority_.write_crl_file(revoked, at);
        };
}

bool CrlWatch::start() {
    running_ = true;
    const bool ok = check();
    arm();
    return ok;
}

void CrlWatch::stop() {
    running_ = false;
    timer_.cancel();
}

void CrlWatch::arm() {
    if (!running_) return;
    timer_.expires_after(kPollInterval);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || !running_) return;
        poll();
        arm();
    });
}

namespace {

template <typename Stamp>
Stamp stamp_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {true, st.st_dev, st.st_ino, st.st_size,
            std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
}

}  // namespace

CrlWatch::Stamp CrlWatch::stamp() const {
    return stamp_of<Stamp>(authority_.crl_path());
}

CrlWatch::Stamp CrlWatch::dir_stamp() const {
    return stamp_of<Stamp>(authority_.revoked_dir());
}

control::CrlStatus CrlWatch::status() const {
    if (alarm_.empty() || dir_alarm_.empty()) return {next_update_, alarm_ + dir_alarm_};
    return {next_update_, alarm_ + "; " + dir_alarm_};
}

// Stat before reading: an entry added after the stat moves the mtime again, and the next
// tick looks once more.
bool CrlWatch::sync_dir(const std::vector<store::RevokedSerial>& revoked) {
    std::vector<std::string> serials;
    serials.reserve(revoked.size());
    for (const auto& r : revoked) serials.push_back(r.serial);
    const Stamp before = dir_stamp();
    if (dir_alarm_.empty() && before == last_dir_stamp_ && serials == synced_serials_ &&
        Steady::now() < dir_full_at_)
        return true;
    try {
        authority_.sync_revoked(revoked);
    } catch (const std::exception& e) {
        dir_alarm_ = std::string("revoked folder sync failed: ") + e.what();
        log::error("revoked folder sync failed",
                   {{"error", e.what()}, {"path", authority_.revoked_dir()}});
        last_dir_stamp_ = dir_stamp();  // retried by the next check, not every tick
        return false;
    }
    // Our own changes moved the mtime: the next tick reads the folder once more, cheaply.
    last_dir_stamp_ = before;
    synced_serials_ = std::move(serials);
    dir_full_at_ = Steady::now() + kReparseInterval;
    if (!dir_alarm_.empty()) {
        log::info("revoked folder alarm cleared", {{"path", authority_.revoked_dir()}});
        dir_alarm_.clear();
    }
    return true;
}

// Stat before reading: a change after the stat shows as a new stamp on the next poll.
CrlWatch::Reading CrlWatch::read() {
    Reading r;
    r.stamp = stamp();
    r.revoked = store_.revoked_serials();
    const auto info = parse(r.stamp, r.facts.present);
    r.facts.parsed = info.has_value();
    if (!info) return r;
    r.facts.signed_by_ca = info->signed_by_ca;
    r.facts.revoked_match = info->revoked == sorted_serials(r.revoked);
    r.facts.last_update = info->last_update;
    r.facts.next_update = info->next_update;
    return r;
}

// The same inode, size and mtime is the same file: the recheck every few seconds then only
// compares it with the store (parsing a CRL of 100 000 serials takes ~0.3 s). mtime ticks
// coarsely, so a same-size rewrite in place could keep the stamp: parse again anyway
// after kReparseInterval.
std::optional<pki::CrlInfo> CrlWatch::parse(const Stamp& stamp, bool& present) {
    present = true;
    if (parsed_ && stamp.exists && parsed_->stamp == stamp && Steady::now() < parsed_->until)
        return parsed_->info;
    parsed_.reset();
    const auto pem = slurp(authority_.crl_path());
    present = pem.has_value();
    if (!pem) return std::nullopt;
    auto info = pki::inspect_crl(*pem, authority_.ca_pem());
    if (info) parsed_ = Parsed{stamp, *info, Steady::now() + kReparseInterval};
    return info;
}

void CrlWatch::poll() {
    const bool due = clock_.now() >= resign_at_ || Steady::now() >= next_check_;
    if (due || stamp() != last_stamp_) {
        check();
        return;
    }
    if (dir_stamp() == last_dir_stamp_) return;
    try {
        sync_dir(store_.revoked_serials());
    } catch (const std::exception& e) {
        fail("check", e.what());  // the store failed
    }
}

core::CrlVerdict CrlWatch::judge(const Reading& reading, std::int64_t now) {
    const core::CrlVerdict verdict = core::judge_crl(reading.facts, now);
    last_stamp_ = reading.stamp;
    next_update_ = reading.facts.parsed && reading.facts.signed_by_ca ? reading.facts.next_update
                                                                      : std::nullopt;
    if (verdict.resign) return verdict;
    resign_at_ = verdict.resign_at;
    next_check_ = Steady::now() + kRecheckInterval;
    if (!alarm_.empty()) {
        log::info("crl alarm cleared", {{"path", authority_.crl_path()}});
        alarm_.clear();
    }
    return verdict;
}

bool CrlWatch::check() {
    const std::int64_t now = clock_.now();
    try {
        const Reading reading = read();
        const bool dir_ok = sync_dir(reading.revoked);
        const core::CrlVerdict verdict = judge(reading, now);
        return (!verdict.resign || resign(reading, verdict.reason, now)) && dir_ok;
    } catch (const std::exception& e) {
        // The store or the disk failed: keep the alarm up and try again shortly.
        fail("check", e.what());
        return false;
    }
}

bool CrlWatch::resign(const Reading& reading, std::string_view reason, std::int64_t now) {
    try {
        write_(reading.revoked, now);
    } catch (const std::exception& e) {
        fail(reason, e.what());
        return false;
    }
    // Judge what landed on disk, not what was meant to: the same rules, right away.
    const Reading written = read();
    const core::CrlVerdict after = judge(written, now);
    if (after.resign) {
        fail(reason, "the written CRL is " + std::string(after.reason));
        return false;
    }
    log::info("crl re-signed", {{"reason", reason},
                                {"revoked", std::to_string(reading.revoked.size())},
                                {"last_update", control::iso_time(written.facts.last_update)},
                                {"next_update", control::iso_time(*written.facts.next_update)},
                                {"path", authority_.crl_path()}});
    return true;
}

void CrlWatch::fail(std::string_view reason, const std::string& error) {
    alarm_ = "crl re-sign failed (" + std::string(reason) + "): " + error;
    log::error("crl re-sign failed",
               {{"reason", reason}, {"error", error}, {"path", authority_.crl_path()}});
    last_stamp_ = stamp();
    // Retry on the clock of the steady timer only: the daemon clock may stand still.
    resign_at_ = std::numeric_limits<std::int64_t>::max();
    next_check_ = Steady::now() + kRetryInterval;
}

}  // namespace warden::app

// CrlWatch against a real CA and store in a temp dir, with the daemon clock injected. The
// 1 s timer is not run: poll() (a tick) and check() (start, clock jump) are driven directly.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "daemon/app/crl_watch.hpp"
#include "daemon/core/revoked_names.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

constexpr std::int64_t kDay = 86400;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Replaces the file by rename, as an operator's `mv` (or a backup restore) would.
void replace(const std::string& path, const std::string& content) {
    std::ofstream(path + ".x") << content;
    std::filesystem::rename(path + ".x", path);
}

struct Fixture {
    testing::TempDir dir;
    std::string pki_dir = dir.file("pki");
    std::int64_t now = std::time(nullptr);
    core::Clock clock{[this] { return now; }};
    bool fail_writes = false;
    std::size_t writes = 0, attempts = 0;
    std::unique_ptr<control::Authority> authority;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    boost::asio::io_context io;
    std::unique_ptr<app::CrlWatch> watch;

    Fixture() {
        control::Authority::create(pki_dir, "test CA", 30, 30, now);
        authority = std::make_unique<control::Authority>(pki_dir, 30, 30);
        watch = std::make_unique<app::CrlWatch>(
            io, *authority, *store, clock,
            [this](const std::vector<store::RevokedSerial>& revoked, std::int64_t at) {
                ++attempts;
                if (fail_writes) throw std::runtime_error("disk full");
                ++writes;
                authority->write_crl_file(revoked, at);
            });
    }

    std::string crl_path() const { return authority->crl_path(); }
    std::string revoked_file(const std::string& serial) const {
        return authority->revoked_dir() + "/" + core::openvpn_serial_name(serial);
    }
    // The folder's mtime a second later, as after a change made a while after the watch's
    // last look (mtime ticks coarsely: a change in the same few ms keeps the stamp, and
    // waits for the full look every kReparseInterval).
    void changed_later() const {
        const auto dir = authority->revoked_dir();
        std::filesystem::last_write_time(
            dir, std::filesystem::last_write_time(dir) + std::chrono::seconds(1));
    }
    // The names in pki/revoked, sorted.
    std::vector<std::string> revoked_names() const {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(authority->revoked_dir()))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    pki::CrlInfo on_disk() const {
        auto info = pki::inspect_crl(slurp(crl_path()), authority->ca_pem());
        REQUIRE(info);
        return *info;
    }
    // The file on disk is ours, lists the store's revocations and was signed at `at`.
    void require_fresh(std::int64_t at) const {
        const auto info = on_disk();
        CHECK(info.signed_by_ca);
        CHECK(info.last_update == at);
        CHECK(info.next_update == at + 30 * kDay);
    }
    std::string revoke_one(const std::string& name = "laptop", std::uint32_t ip = 2) {
        store::Device d;
        d.name = name;
        d.vpn_ip = ip;
        REQUIRE(store->add_device(d).ok());
        store::Certificate cert = authority->issue_client(name, now);
        cert.device_id = d.id;
        REQUIRE(store->add_certificate(cert).ok());
        REQUIRE(store->revoke_certificate(cert.serial, now).ok());
        return cert.serial;
    }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "a fresh CRL is left alone", "[crl]") {
    const std::string before = slurp(crl_path());
    REQUIRE(watch->check());
    now += 14 * kDay;  // less than half of its 30 days gone
    watch->poll();
    CHECK(writes == 0);
    CHECK(slurp(crl_path()) == before);
    CHECK(watch->status().next_update == now - 14 * kDay + 30 * kDay);
    CHECK(watch->status().alarm.empty());
}

TEST_CASE_METHOD(Fixture, "past half of its life the CRL is re-signed on the next tick", "[crl]") {
    REQUIRE(watch->check());
    now += 15 * kDay + 1;
    watch->poll();
    CHECK(writes == 1);
    require_fresh(now);
    CHECK(watch->status().next_update == now + 30 * kDay);
    watch->poll();  // the file it wrote is judged fine: no second write
    CHECK(writes == 1);
}

TEST_CASE_METHOD(Fixture, "a clock jump past nextUpdate re-signs at once", "[crl]") {
    REQUIRE(watch->check());
    now += 40 * kDay;  // testing.clock: the daemon calls check() from Clock::on_jump
    REQUIRE(watch->check());
    CHECK(writes == 1);
    require_fresh(now);
}

TEST_CASE_METHOD(Fixture, "a CRL that was deleted, replaced or damaged is rewritten", "[crl]") {
    REQUIRE(watch->check());
    now += 60;

    SECTION("deleted") {
        std::filesystem::remove(crl_path());
    }
    SECTION("garbage") {
        replace(crl_path(), "not a CRL\n");
    }
    SECTION("overwritten in place") {
        std::ofstream(crl_path(), std::ios::trunc) << "garbage";
    }
    SECTION("truncated") {
        const std::string pem = slurp(crl_path());
        replace(crl_path(), pem.substr(0, pem.size() / 2));
    }
    SECTION("signed by another CA of the same name") {
        const pki::Material other = pki::create_ca("test CA", 30);
        replace(crl_path(), pki::make_crl(other, {}, now, 30));
    }
    SECTION("expired") {
        const pki::Material ca{authority->ca_pem(), slurp(pki_dir + "/ca.key")};
        replace(crl_path(), pki::make_crl(ca, {}, now - 31 * kDay, 30));
    }
    SECTION("listing fewer serials than the store (an old file restored)") {
        const std::string serial = revoke_one();
        watch->poll();
        CHECK(on_disk().revoked.empty());  // the file did not change, nothing due yet
        REQUIRE(watch->check());           // what the recheck every few seconds does
        CHECK(on_disk().revoked == std::vector<std::string>{serial});
        const pki::Material ca{authority->ca_pem(), slurp(pki_dir + "/ca.key")};
        replace(crl_path(), pki::make_crl(ca, {}, now, 30));
        writes = 0;
    }

    watch->poll();  // the file changed (or vanished): judged on this tick
    CHECK(writes == 1);
    require_fresh(now);
    CHECK(on_disk().revoked.size() == store->revoked_serials().size());
}

TEST_CASE_METHOD(Fixture, "a failed re-sign raises an alarm until a later one succeeds", "[crl]") {
    REQUIRE(watch->check());
    fail_writes = true;
    std::filesystem::remove(crl_path());
    watch->poll();
    CHECK_FALSE(std::filesystem::exists(crl_path()));
    const auto status = watch->status();
    CHECK(status.alarm == "crl re-sign failed (missing): disk full");
    CHECK_FALSE(status.next_update);
    CHECK(attempts == 1);
    watch->poll();  // retried every few seconds, not on every tick
    CHECK(attempts == 1);

    fail_writes = false;
    REQUIRE(watch->check());
    CHECK(watch->status().alarm.empty());
    require_fresh(now);
}

TEST_CASE_METHOD(Fixture, "start fails closed when the CRL is bad and cannot be written", "[crl]") {
    replace(crl_path(), "garbage");
    fail_writes = true;
    CHECK_FALSE(watch->start());
    watch->stop();
    fail_writes = false;
    CHECK(watch->start());
    watch->stop();
    require_fresh(now);
}

// pki/revoked: what server.conf's `crl-verify DIR dir` reads (issue 11).

TEST_CASE_METHOD(Fixture, "init creates an empty revoked folder, mode 0755", "[crl][revoked]") {
    struct stat st {};
    REQUIRE(::stat(authority->revoked_dir().c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(revoked_names().empty());
}

TEST_CASE_METHOD(Fixture, "a revocation's file exists when write_crl returns", "[crl][revoked]") {
    const std::string serial = revoke_one();
    CHECK_FALSE(std::filesystem::exists(revoked_file(serial)));
    authority->write_crl(store->revoked_serials(), now);  // what cert.revoke calls
    REQUIRE(std::filesystem::exists(revoked_file(serial)));
    struct stat st {};
    REQUIRE(::stat(revoked_file(serial).c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);
    CHECK(st.st_size == 0);
    CHECK(on_disk().revoked == std::vector<std::string>{serial});
}

TEST_CASE_METHOD(Fixture, "the folder is brought in step with the store", "[crl][revoked]") {
    const std::string first = revoke_one();
    revoke_one("phone", 3);

    SECTION("at start") {
        REQUIRE(watch->start());
        watch->stop();
    }
    SECTION("a missing folder is created at start, 0755") {
        std::filesystem::remove_all(authority->revoked_dir());
        REQUIRE(watch->start());
        watch->stop();
        struct stat st {};
        REQUIRE(::stat(authority->revoked_dir().c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0755);
    }
    SECTION("a revocation the folder missed is there after the next check") {
        REQUIRE(watch->check());
        revoke_one("tablet", 4);  // in the store only, as if its write had failed
        REQUIRE(watch->check());  // every kRecheckInterval: the store's serials changed
    }
    SECTION("a deleted file is back on the next tick once the folder's mtime moved") {
        REQUIRE(watch->check());
        watch->poll();  // settles: its own writes moved the mtime
        std::filesystem::remove(revoked_file(first));
        changed_later();
        watch->poll();
    }
    SECTION("a deleted folder is back on the next tick") {
        REQUIRE(watch->check());
        watch->poll();
        std::filesystem::remove_all(authority->revoked_dir());
        watch->poll();
    }
    SECTION("a serial name the store does not list goes on the next tick; other names stay") {
        REQUIRE(watch->check());
        watch->poll();
        std::ofstream(authority->revoked_dir() + "/12345");
        std::filesystem::create_directory(authority->revoked_dir() + "/678");
        std::ofstream(authority->revoked_dir() + "/README");
        changed_later();
        watch->poll();
        CHECK_FALSE(std::filesystem::exists(authority->revoked_dir() + "/12345"));
        CHECK_FALSE(std::filesystem::exists(authority->revoked_dir() + "/678"));
        REQUIRE(std::filesystem::exists(authority->revoked_dir() + "/README"));
        std::filesystem::remove(authority->revoked_dir() + "/README");
    }
    std::vector<std::string> expected;
    for (const auto& r : store->revoked_serials())
        expected.push_back(core::openvpn_serial_name(r.serial));
    std::sort(expected.begin(), expected.end());
    REQUIRE(expected.size() >= 2);
    CHECK(revoked_names() == expected);
    CHECK(watch->status().alarm.empty());
}

TEST_CASE_METHOD(Fixture, "a folder that cannot be written raises an alarm and fails start",
                 "[crl][revoked]") {
    const std::string serial = revoke_one();
    std::filesystem::remove_all(authority->revoked_dir());
    std::ofstream(authority->revoked_dir()) << "a file in the way";
    CHECK_FALSE(watch->start());
    watch->stop();
    const std::string alarm = watch->status().alarm;
    CHECK(alarm.rfind("revoked folder sync failed: open " + authority->revoked_dir(), 0) == 0);
    CHECK(writes == 1);  // crl.pem is still kept: it listed no serial, the store lists one
    CHECK(on_disk().revoked == std::vector<std::string>{serial});

    std::filesystem::remove(authority->revoked_dir());
    watch->poll();  // the folder's stat changed: synced on this tick
    CHECK(std::filesystem::exists(revoked_file(serial)));
    CHECK(watch->status().alarm.empty());
}

TEST_CASE_METHOD(Fixture, "a revoked serial that a trusted CA also has stays out of the folder",
                 "[crl][revoked]") {
    // An enrollment CA whose serial equals a revoked client's: in the folder it would make
    // OpenVPN refuse every client of that CA (it checks the whole chain).
    const std::string serial = revoke_one();
    const pki::Material vendor = pki::create_ca("vendor CA", 30);
    store::RevokedSerial clash;
    clash.serial = pki::inspect(vendor.cert_pem)->serial;
    clash.revoked_at = now;
    auto revoked = store->revoked_serials();
    revoked.push_back(clash);
    authority->write_crl(revoked, now);
    CHECK(std::filesystem::exists(revoked_file(clash.serial)));  // not trusted yet
    authority->write_ca_bundle({vendor.cert_pem});
    authority->write_crl(revoked, now);
    CHECK_FALSE(std::filesystem::exists(revoked_file(clash.serial)));
    CHECK(std::filesystem::exists(revoked_file(serial)));
    // Our own CA's serial, too.
    clash.serial = pki::inspect(authority->ca_pem())->serial;
    authority->sync_revoked({clash});
    CHECK(revoked_names().empty());
}

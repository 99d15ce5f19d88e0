// Admin commands against a real store and CA in a temp dir, with a fake SessionControl.
#pragma once

#include <catch2/catch.hpp>

#include <ctime>
#include <fstream>
#include <sstream>

#include "daemon/control/services.hpp"
#include "daemon/store/sqlite_handles.hpp"
#include "support/unix_client.hpp"

namespace warden::control::test {

struct FakeSessions : SessionControl {
    std::vector<std::string> ended_serials;
    std::vector<std::int64_t> ended_devices;
    std::vector<std::string> reasons;
    std::vector<SessionView> list() override { return {}; }
    std::vector<InstanceView> instances() override { return {{"default", true, 0}}; }
    std::size_t end_sessions_of_serial(const std::string& serial, const std::string& why) override {
        ended_serials.push_back(serial);
        reasons.push_back(why);
        return 1;
    }
    std::size_t end_sessions_of_device(std::int64_t id, const std::string& why) override {
        ended_devices.push_back(id);
        reasons.push_back(why);
        return 1;
    }
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Fixture {
    testing::TempDir dir;
    core::Config config;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Authority> authority;
    FakeSessions sessions;
    std::int64_t clock = std::time(nullptr);  // certificates are issued against the real clock
    core::Clock daemon_clock{[this] { return clock; }};
    std::unique_ptr<Services> services;
    Registry registry;
    Caller root{0, "root", true, true};

    explicit Fixture(int cert_days = 30) {
        config.state_dir = dir.path.string();
        config.remote = "vpn.example.net";
        config.cert_days = cert_days;
        Authority::create(config.pki_dir(), "test CA", cert_days, 30, clock);
        authority = std::make_unique<Authority>(config.pki_dir(), cert_days, 30);
        store = std::move(store::open_sqlite(config.database_path()).store);
        services = std::make_unique<Services>(
            Services{config, *store, *authority, sessions, daemon_clock});
        register_all_commands(registry, *services);
    }

    Reply run(const std::string& command, json::object args = {}) {
        return registry.dispatch(json::object{{"command", command}, {"args", std::move(args)}},
                                 root);
    }

    // Every column of every device and certificate row, for "nothing changed" checks.
    std::string dump() const {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(config.database_path().c_str(), &raw) == SQLITE_OK);
        store::DbHandle db(raw);
        std::string out;
        for (const std::string table : {"devices", "certificates"}) {
            sqlite3_stmt* stmt = nullptr;
            const std::string sql = "SELECT * FROM " + table + " ORDER BY 1";
            REQUIRE(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
            const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(stmt,
                                                                              sqlite3_finalize);
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                    const auto* text = sqlite3_column_text(stmt, i);
                    out += text ? reinterpret_cast<const char*>(text) : "NULL";
                    out += '|';
                }
                out += '\n';
            }
        }
        return out;
    }
};

}  // namespace warden::control::test

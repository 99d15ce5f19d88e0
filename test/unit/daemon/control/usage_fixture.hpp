// Admin commands against a real store and CA in a temp dir, with a controllable clock and
// a fake SessionControl that records what it was asked and serves canned live sessions.
#pragma once

#include <catch2/catch.hpp>

#include "daemon/control/services.hpp"
#include "support/unix_client.hpp"

namespace warden::usage_test {

using namespace warden::control;

struct FakeSessions : SessionControl {
    std::vector<SessionView> live;
    std::vector<std::int64_t> ended_devices;
    std::vector<std::string> restarted;
    bool management_up = true;
    std::vector<SessionView> list() override { return live; }
    std::vector<InstanceView> instances() override {
        return {{"default", management_up, live.size()}};
    }
    std::size_t end_sessions_of_serial(const std::string&, const std::string&) override {
        return 0;
    }
    std::size_t end_sessions_of_device(std::int64_t id, const std::string&) override {
        ended_devices.push_back(id);
        return 1;
    }
    std::vector<std::string> recent_log(const std::string& instance) override {
        return {instance + " line 1", instance + " line 2"};
    }
    std::string restart(const std::string& instance) override {
        if (!management_up) return "management interface not connected";
        restarted.push_back(instance);
        return {};
    }
};

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
    int licenses_changed = 0;

    Fixture() {
        config.state_dir = dir.path.string();
        config.remote = "vpn.example.net";
        Authority::create(config.pki_dir(), "test CA", 30, 30, clock);
        authority = std::make_unique<Authority>(config.pki_dir(), 30, 30);
        store = std::move(store::open_sqlite(config.database_path()).store);
        services = std::make_unique<Services>(
            Services{config, *store, *authority, sessions, daemon_clock});
        services->licenses_changed = [this] { ++licenses_changed; };
        register_all_commands(registry, *services);
    }

    Reply run(const std::string& command, json::object args = {}) {
        return registry.dispatch(json::object{{"command", command}, {"args", std::move(args)}},
                                 root);
    }
    std::int64_t id_of(const std::string& device) { return store->find_device(device)->id; }
    bool activity_has(const std::string& action, const std::string& object) {
        for (const auto& e : store->activity(0, 1000))
            if (e.action == action && e.object == object && e.actor == "root") return true;
        return false;
    }
};

}  // namespace warden::usage_test

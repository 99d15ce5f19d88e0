// log.activity / log.connections, device list traffic columns, vpn.status / restart, backup.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/fd.hpp"
#include "daemon/core/traffic.hpp"
#include "daemon/store/backup.hpp"
#include "usage_fixture.hpp"

using namespace warden;
using namespace warden::usage_test;

TEST_CASE("log activity filters by time and device, every write names its user") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}}).code == Code::Ok);
    f.clock += 7200;
    REQUIRE(f.run("device.add", {{"name", "b"}, {"type", "pc"}}).code == Code::Ok);
    REQUIRE(f.run("license.unassign", {{"device", "a"}}).code == Code::Ok);
    auto all = f.run("log.activity");
    REQUIRE(all.code == Code::Ok);
    REQUIRE(all.result.as_array().size() == 3);
    CHECK(all.result.as_array().at(0).at("action").as_string() == "license.unassign");
    CHECK(all.result.as_array().at(0).at("user").as_string() == "root");
    CHECK(f.run("log.activity", {{"since", "1h"}}).result.as_array().size() == 2);
    CHECK(f.run("log.activity", {{"device", "a"}}).result.as_array().size() == 2);
    CHECK(f.run("log.activity", {{"device", "a"}, {"since", "1h"}}).result.as_array().size() == 1);
    CHECK(f.run("log.activity", {{"since", "2099-01-01T00:00Z"}}).result.as_array().empty());
    CHECK(f.run("log.activity", {{"limit", 1}}).result.as_array().size() == 1);
    CHECK(f.run("log.activity", {{"since", "soon"}}).message.rfind("since:", 0) == 0);
    CHECK(f.run("log.activity", {{"limit", 0}}).message.rfind("limit:", 0) == 0);
}

TEST_CASE("log connections shows sessions with bytes and duration, by device") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}}).code == Code::Ok);
    store::ConnectionEntry e;
    e.at = f.clock;
    e.event = store::ConnectionEvent::Disconnect;
    e.device_id = f.id_of("a");
    e.device_name = "a";
    e.bytes_received = 123456;
    e.bytes_sent = 654321;
    e.duration = 61;
    f.store->log_connection(e);
    e.event = store::ConnectionEvent::Refused;
    e.device_id.reset();
    e.device_name = "";
    e.reason = "certificate not registered";
    f.store->log_connection(e);
    auto mine = f.run("log.connections", {{"device", "a"}});
    REQUIRE(mine.code == Code::Ok);
    REQUIRE(mine.result.as_array().size() == 1);
    const auto& row = mine.result.as_array().at(0);
    CHECK(row.at("event").as_string() == "disconnect");
    CHECK(row.at("bytes_received").as_uint64() == 123456);
    CHECK(row.at("bytes_sent").as_uint64() == 654321);
    CHECK(row.at("duration").as_int64() == 61);
    auto all = f.run("log.connections");
    REQUIRE(all.result.as_array().size() == 2);
    CHECK(all.result.as_array().at(0).at("reason").as_string() == "certificate not registered");
    CHECK(f.run("log.connections", {{"device", "nope"}}).code == Code::NotFound);
}

TEST_CASE("device list carries traffic: this month (with live sessions), last month, total") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}}).code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "b"}, {"type", "pc"}}).code == Code::Ok);
    const auto a = f.id_of("a");
    const int month = core::utc_month(f.clock);
    f.store->add_traffic({a, month, 1000, 24});
    f.store->add_traffic({a, core::previous_month(month), 500, 0});
    f.store->add_traffic({a, core::previous_month(core::previous_month(month)), 1, 1});
    SessionView live;
    live.device_id = a;
    live.bytes_received = 300;
    live.bytes_sent = 700;
    f.sessions.live.push_back(live);
    auto rows = f.run("device.list").result.as_array();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].at("traffic_month").as_uint64() == 2024);
    CHECK(rows[0].at("traffic_prev_month").as_uint64() == 500);
    CHECK(rows[0].at("traffic_total").as_uint64() == 2526);
    CHECK(rows[0].at("license").as_string() == "default");
    CHECK(rows[1].at("traffic_total").as_uint64() == 0);
    auto shown = f.run("device.show", {{"name", "a"}}).result;
    CHECK(shown.at("traffic_month").as_uint64() == 2024);
    const auto& months = shown.at("traffic_by_month").as_array();
    REQUIRE(months.size() == 3);
    char current[16];
    std::snprintf(current, sizeof current, "%04d-%02d", month / 100, month % 100);
    CHECK(months.at(2).at("month").as_string() == current);
    CHECK(months.at(2).at("bytes_received").as_uint64() == 1000);
}

TEST_CASE("vpn status lists instances with recent log, restart goes through management") {
    Fixture f;
    auto status = f.run("vpn.status");
    REQUIRE(status.code == Code::Ok);
    const auto& inst = status.result.as_array().at(0);
    CHECK(inst.at("management").as_string() == "connected");
    CHECK(inst.at("recent_log").as_array().size() == 2);
    REQUIRE(f.run("vpn.restart").code == Code::Ok);
    CHECK(f.sessions.restarted == std::vector<std::string>{"default"});
    CHECK(f.activity_has("vpn.restart", "default"));
    CHECK(f.run("vpn.restart", {{"instance", "nope"}}).message.rfind("instance:", 0) == 0);
    f.sessions.management_up = false;
    auto down = f.run("vpn.restart", {{"instance", "default"}});
    CHECK(down.code == Code::Invalid);
    CHECK(down.message.find("not connected") != std::string::npos);
}

TEST_CASE("backup writes a checked copy into the attached descriptor, never by path") {
    Fixture f;
    REQUIRE(f.run("device.add", {{"name", "a"}, {"type", "pc"}}).code == Code::Ok);
    auto backup = [&f](const std::string& name, int fd, const Caller& caller) {
        return f.registry.dispatch(json::object{{"command", "backup"}, {"args", {{"file", name}}}},
                                   caller, fd);
    };
    const std::string out = f.dir.file("out.db");
    UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    REQUIRE(fd);
    // The name is only a label: a file there (say one root owns) is neither written,
    // replaced nor handed to the caller.
    const std::string victim = f.dir.file("victim");
    { std::ofstream(victim) << "keep"; }
    Caller alice{1000, "alice", true, true};
    auto done = backup(victim, fd.get(), alice);
    REQUIRE(done.code == Code::Ok);
    CHECK(done.result.at("integrity").as_string() == "ok");
    CHECK(done.result.at("devices").as_uint64() == 1);
    CHECK(done.result.at("bytes").as_uint64() == std::filesystem::file_size(out));
    CHECK(store::inspect_database(out).ok());
    std::stringstream victim_text;
    victim_text << std::ifstream(victim).rdbuf();
    CHECK(victim_text.str() == "keep");
    struct stat st {};
    REQUIRE(::stat(victim.c_str(), &st) == 0);
    CHECK(st.st_uid == ::geteuid());

    // Written again into the same descriptor: the whole copy, nothing left of the old one.
    REQUIRE(f.run("device.add", {{"name", "b"}, {"type", "pc"}}).code == Code::Ok);
    REQUIRE(backup(out, fd.get(), f.root).code == Code::Ok);
    CHECK(store::inspect_database(out).devices == 2);
    CHECK(f.activity_has("backup", out));

    // No descriptor, or one the daemon cannot use, is refused before anything is written.
    CHECK(f.run("backup", {{"file", out}}).code == Code::Usage);
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    UniqueFd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
    CHECK(backup(out, pipe_write.get(), f.root).message.rfind("file:", 0) == 0);
    UniqueFd read_only(::open(out.c_str(), O_RDONLY | O_CLOEXEC));
    CHECK(backup(out, read_only.get(), f.root).message.rfind("file:", 0) == 0);
    // Other commands take no descriptor.
    CHECK(f.registry.dispatch(json::object{{"command", "device.list"}}, f.root, fd.get()).code ==
          Code::Usage);
    for (const auto& entry : std::filesystem::directory_iterator(f.dir.path))
        CHECK(entry.path().string().find(".partial-") == std::string::npos);
}

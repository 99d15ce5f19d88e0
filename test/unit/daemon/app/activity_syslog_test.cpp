// ActivitySyslog against a real datagram socket standing in for /dev/log: the RFC 3164
// line arrives; switched off nothing is sent; a missing receiver costs the entry, not
// the daemon, and the next entry goes out once it is back; a store's committed entries
// reach it.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <regex>

#include "daemon/app/activity_syslog.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using warden::testing::recv_some;
using warden::testing::TempDir;

namespace {

UniqueFd bind_datagram(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

core::LogConfig settings(const std::string& socket) {
    core::LogConfig s;
    s.syslog = true;
    s.syslog_socket = socket;
    return s;
}

store::ActivityEntry entry(const std::string& object) {
    return {3, 1796210000, "root", "device.add", object, "group=default"};
}

}  // namespace

TEST_CASE("activity syslog: one RFC 3164 datagram per entry") {
    TempDir dir;
    const std::string path = dir.file("log.sock");
    UniqueFd receiver = bind_datagram(path);
    app::ActivitySyslog sender(settings(path));
    sender.send(entry("laptop"));
    auto got = recv_some(receiver.get());
    REQUIRE(got);
    const std::regex line("<85>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} wardend\\[" +
                          std::to_string(::getpid()) +
                          "\\]: activity id=3 at=2026-12-02T11:13:20Z actor=root action=device.add "
                          "object=laptop details=\"group=default\"");
    CHECK(std::regex_match(*got, line));
}

TEST_CASE("activity syslog: switched off, nothing is sent, a reload switches it on") {
    TempDir dir;
    const std::string path = dir.file("log.sock");
    UniqueFd receiver = bind_datagram(path);
    core::LogConfig off = settings(path);
    off.syslog = false;
    app::ActivitySyslog sender(off);
    sender.send(entry("quiet"));
    CHECK_FALSE(recv_some(receiver.get(), std::chrono::milliseconds(200)));
    core::LogConfig on = settings(path);
    on.facility = "local0";
    on.ident = "vpn1";
    sender.configure(on);
    sender.send(entry("loud"));
    auto got = recv_some(receiver.get());
    REQUIRE(got);
    CHECK(got->rfind("<133>", 0) == 0);
    CHECK(got->find(" vpn1[") != std::string::npos);
    CHECK(got->find("object=loud") != std::string::npos);
}

TEST_CASE(
    "activity syslog: a missing receiver drops the entry; the next goes out once it is back") {
    TempDir dir;
    const std::string path = dir.file("log.sock");
    app::ActivitySyslog sender(settings(path));
    CHECK_NOTHROW(sender.send(entry("lost")));  // no socket there yet
    {
        UniqueFd first = bind_datagram(path);
        sender.send(entry("first"));
        auto got = recv_some(first.get());
        REQUIRE(got);
        CHECK(got->find("object=first") != std::string::npos);
    }
    // The receiver restarts (journald or rsyslog): a new socket at the same path.
    ::unlink(path.c_str());
    UniqueFd second = bind_datagram(path);
    sender.send(entry("second"));
    auto got = recv_some(second.get());
    REQUIRE(got);
    CHECK(got->find("object=second") != std::string::npos);
}

TEST_CASE("activity syslog: a store's committed entries reach the socket, rolled back do not") {
    TempDir dir;
    const std::string path = dir.file("log.sock");
    UniqueFd receiver = bind_datagram(path);
    app::ActivitySyslog sender(settings(path));
    auto opened = store::open_sqlite(dir.file("warden.db"));
    REQUIRE(opened.store);
    auto store = sender.watching(std::move(opened.store));
    CHECK_THROWS(store->transaction([&] {
        store->log_activity({0, 1, "root", "device.add", "undone", ""});
        throw std::runtime_error("refused");
    }));
    store->transaction([&] { store->log_activity({0, 1, "root", "device.add", "done", ""}); });
    auto got = recv_some(receiver.get());
    REQUIRE(got);
    CHECK(got->find("object=done") != std::string::npos);
    CHECK(got->find("undone") == std::string::npos);
    CHECK_FALSE(recv_some(receiver.get(), std::chrono::milliseconds(200)));
}

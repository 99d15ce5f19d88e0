#include <catch2/catch.hpp>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "common/lock_guarded.hpp"
#include "common/protocol.hpp"
#include "daemon/server/plugin_server.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::testing;

namespace {

// Answers every request with a deny echoing the common name as the reason, and keeps the
// instance the last request came from.
struct EchoRequests : core::PluginRequests {
    core::VerdictReply auth(const core::AuthRequest& r) override { return echo(r); }
    core::VerdictReply connect(const core::ConnectRequest& r) override { return echo(r); }
    void disconnect(const core::DisconnectRequest&) override {}
    core::VerdictReply echo(const core::ClientRequest& r) {
        *last_instance.lock() = r.instance;
        return {false, r.common_name, {}};
    }
    LockGuarded<std::string> last_instance;
};

struct Running {
    boost::asio::io_context io;
    EchoRequests requests;
    TempDir dir;
    server::PluginServer server;
    std::thread thread;

    explicit Running(std::chrono::milliseconds delay = {})
        : server(io, dir.file("plugin.sock"), requests, {delay, 1024}) {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~Running() {
        boost::asio::post(io, [this] {
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string path() const { return dir.file("plugin.sock"); }
};

// Reads frames until `count` messages arrived or the peer closed / timed out.
std::vector<wire::Message> read_messages(int fd, std::size_t count, bool* closed = nullptr) {
    wire::Decoder d;
    std::vector<wire::Message> out;
    while (out.size() < count) {
        auto chunk = recv_some(fd);
        if (!chunk || chunk->empty()) {
            if (closed) *closed = chunk.has_value();
            break;
        }
        d.feed(*chunk);
        wire::Message m;
        while (d.next(m) == wire::DecodeStatus::Ok) out.push_back(m);
    }
    return out;
}

std::string auth_frame(std::uint32_t id, const std::string& cn) {
    return wire::encode(wire::Message(wire::Type::Auth, id)
                            .set("common_name", cn)
                            .set("untrusted_ip", "192.0.2.5")
                            .set("untrusted_port", "40000"));
}

}  // namespace

TEST_CASE("plugin server answers requests sent one byte at a time") {
    Running r;
    auto fd = connect_unix(r.path());
    REQUIRE(fd);
    REQUIRE(send_all(fd.get(),
                     wire::encode(wire::Message(wire::Type::Hello, 0).set("instance", "east")), 1));
    REQUIRE(send_all(fd.get(), auth_frame(9, "dev-a"), 1));
    auto msgs = read_messages(fd.get(), 1);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0].type == wire::Type::Verdict);
    CHECK(msgs[0].id == 9);
    CHECK(msgs[0].get("reason") == "dev-a");
    CHECK(*r.requests.last_instance.lock() == "east");
}

TEST_CASE("plugin server answers pipelined requests, each with its id") {
    Running r;
    auto fd = connect_unix(r.path());
    std::string burst;
    for (std::uint32_t id = 1; id <= 500; ++id) burst += auth_frame(id, "d" + std::to_string(id));
    REQUIRE(send_all(fd.get(), burst, 7));
    auto msgs = read_messages(fd.get(), 500);
    REQUIRE(msgs.size() == 500);
    for (std::uint32_t i = 0; i < 500; ++i)
        CHECK(msgs[i].get("reason") == "d" + std::to_string(msgs[i].id));
}

TEST_CASE("a malformed frame gets an error and a close, other plugins keep being served") {
    Running r;
    auto good = connect_unix(r.path());
    auto bad = connect_unix(r.path());
    const std::string garbage_cases[] = {
        std::string("\x00\x00\x00\x03"
                    "abc",
                    7),                      // shorter than a header
        std::string("\x00\x10\x00\x00", 4),  // larger than the 1 KiB limit
        std::string("\x00\x00\x00\x08\x07\x02\x00\x00\x00\x01\x00\x00", 12),  // wrong version
    };
    for (const auto& garbage : garbage_cases) {
        auto fd = connect_unix(r.path());
        REQUIRE(send_all(fd.get(), garbage));
        bool closed = false;
        auto msgs = read_messages(fd.get(), 2, &closed);
        REQUIRE(msgs.size() == 1);
        CHECK(msgs[0].type == wire::Type::Error);
        CHECK(closed);
    }
    REQUIRE(send_all(good.get(), auth_frame(1, "still-here")));
    auto msgs = read_messages(good.get(), 1);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0].get("reason") == "still-here");
}

TEST_CASE("the plugin socket can be given to OpenVPN's group") {
    boost::asio::io_context io;
    EchoRequests requests;
    TempDir dir;
    server::PluginServer::Options options;
    options.socket_group = "nogroup";
    server::PluginServer s(io, dir.file("p.sock"), requests, options);
    if (::geteuid() != 0) {
        WARN("SKIP: only root may give a socket to another group");
        return;
    }
    s.start();
    struct stat st {};
    REQUIRE(::stat(dir.file("p.sock").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0660);
    CHECK(st.st_gid == ::getgrnam("nogroup")->gr_gid);
    options.socket_group = "no-such-group-warden";
    server::PluginServer bad(io, dir.file("q.sock"), requests, options);
    CHECK_THROWS(bad.start());
}

// Connects to `path` as uid/gid (in a child) and sends an Auth frame: 0 when a verdict
// came back, 1 when the server closed the connection without one.
int plugin_peer_result(const std::string& path, uid_t uid, gid_t gid) {
    const pid_t child = ::fork();
    if (child < 0) return -1;
    if (child == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(3);
        auto fd = connect_unix(path);
        if (!fd) ::_exit(4);
        if (!send_all(fd.get(), auth_frame(1, "peer"))) ::_exit(1);  // closed already
        bool closed = false;
        const auto msgs = read_messages(fd.get(), 1, &closed);
        ::_exit(msgs.size() == 1 ? 0 : closed ? 1 : 2);
    }
    int status = 0;
    if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

TEST_CASE("the plugin socket serves root, OpenVPN's user and group, and closes anyone else") {
    if (::geteuid() != 0) {
        WARN("SKIP: connecting as other users needs root");
        return;
    }
    const passwd* nobody = ::getpwnam("nobody");
    const group* nogroup = ::getgrnam("nogroup");
    REQUIRE(nobody);
    REQUIRE(nogroup);
    const uid_t nobody_uid = nobody->pw_uid;
    const gid_t nogroup_gid = nogroup->gr_gid;
    boost::asio::io_context io;
    EchoRequests requests;
    TempDir dir;
    server::PluginServer::Options by_user;
    by_user.socket_user = "nobody";
    server::PluginServer user_server(io, dir.file("u.sock"), requests, by_user);
    user_server.start();
    server::PluginServer::Options by_group;
    by_group.socket_group = "nogroup";
    server::PluginServer group_server(io, dir.file("g.sock"), requests, by_group);
    group_server.start();
    // A mode mistake (or a descriptor handed on) must not let others in: the peer check
    // holds even when the socket file is open to all.
    ::chmod(dir.path.c_str(), 0755);
    ::chmod(dir.file("u.sock").c_str(), 0666);
    ::chmod(dir.file("g.sock").c_str(), 0666);
    std::thread thread([&io] { io.run(); });
    CHECK(plugin_peer_result(dir.file("u.sock"), nobody_uid, 4242) == 0);
    CHECK(plugin_peer_result(dir.file("u.sock"), 4242, 4242) == 1);
    CHECK(plugin_peer_result(dir.file("g.sock"), 4243, nogroup_gid) == 0);
    CHECK(plugin_peer_result(dir.file("g.sock"), 4243, 4243) == 1);
    CHECK(plugin_peer_result(dir.file("u.sock"), 0, 0) == 0);
    boost::asio::post(io, [&] {
        user_server.stop();
        group_server.stop();
        io.stop();
    });
    thread.join();

    server::PluginServer::Options unknown;
    unknown.socket_user = "no-such-user-warden";
    server::PluginServer bad(io, dir.file("x.sock"), requests, unknown);
    CHECK_THROWS(bad.start());
}

TEST_CASE("verdict delay postpones replies without blocking other work") {
    Running r(std::chrono::milliseconds(100));
    auto fd = connect_unix(r.path());
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(send_all(fd.get(), auth_frame(1, "a") + auth_frame(2, "b")));
    auto msgs = read_messages(fd.get(), 2);
    REQUIRE(msgs.size() == 2);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= std::chrono::milliseconds(100));
    CHECK(elapsed <
          std::chrono::milliseconds(180));  // delayed concurrently, not one after the other
}

TEST_CASE("plugin server counts each verdict by kind, outcome and refusal class (metrics)") {
    Running r;
    auto fd = connect_unix(r.path());
    REQUIRE(fd);
    // EchoRequests denies with the common name as the reason.
    std::string burst = auth_frame(1, "certificate revoked") + auth_frame(2, "login failed") +
                        auth_frame(3, "locked for another 4m") + auth_frame(4, "whatever");
    // A malformed request (bad port) gets an Error reply: counted as an error.
    burst += wire::encode(wire::Message(wire::Type::Auth, 5)
                              .set("common_name", "x")
                              .set("untrusted_ip", "192.0.2.5")
                              .set("untrusted_port", "no-port"));
    REQUIRE(send_all(fd.get(), burst, 64));
    REQUIRE(read_messages(fd.get(), 5).size() == 5);
    std::promise<core::VerdictCounts> counted;
    boost::asio::post(r.io, [&] { counted.set_value(r.server.stats().counts()); });
    const core::VerdictCounts c = counted.get_future().get();
    const auto auth = static_cast<std::size_t>(core::RequestKind::Auth);
    const auto of = [&](core::RefusalClass cls) {
        return c.refused[auth][static_cast<std::size_t>(cls)];
    };
    CHECK(of(core::RefusalClass::Revoked) == 1);
    CHECK(of(core::RefusalClass::LoginFailed) == 1);
    CHECK(of(core::RefusalClass::Locked) == 1);
    CHECK(of(core::RefusalClass::Other) == 1);
    CHECK(c.allowed[auth] == 0);
    CHECK(c.errors[auth] == 1);
}

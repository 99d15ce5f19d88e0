#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "daemon/server/admin_server.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::testing;
namespace json = boost::json;

namespace {

struct Running {
    boost::asio::io_context io;
    control::Registry registry;
    TempDir dir;
    server::AdminServer server;
    std::thread thread;

    explicit Running(server::AdminLimits limits = {})
        : server(io, dir.file("admin.sock"), registry,
                 {"warden-admin-test-none", "warden-view-test-none"}, limits) {
        registry.add({"echo",
                      control::Access::Read,
                      "echo",
                      {{"text", control::ArgType::String, true}},
                      [](const control::Args& a, const control::Caller& c) {
                          json::object o;
                          o["text"] = a.str("text");
                          o["user"] = c.user;
                          return control::Reply::ok(o);
                      }});
        // Writes its text into the file sent with the request.
        registry.add({"fill",
                      control::Access::Write,
                      "fill",
                      {{"text", control::ArgType::String, true}},
                      [](const control::Args& a, const control::Caller&) {
                          const std::string text = a.str("text");
                          const bool ok = ::write(a.attached_fd(), text.data(), text.size()) ==
                                          static_cast<ssize_t>(text.size());
                          return ok ? control::Reply::ok()
                                    : control::Reply::error(control::Code::Internal, "write");
                      },
                      control::Attachment::File});
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
};

// Reads one reply line.
std::optional<json::value> read_reply(int fd) {
    std::string buf;
    while (buf.find('\n') == std::string::npos) {
        auto chunk = recv_some(fd);
        if (!chunk || chunk->empty()) return std::nullopt;
        buf += *chunk;
    }
    return json::parse(buf.substr(0, buf.find('\n')));
}

// Sends `data` in one sendmsg with `fds` attached (SCM_RIGHTS).
bool send_with_fds(int fd, const std::string& data, const std::vector<int>& fds) {
    iovec iov{const_cast<char*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    return ::sendmsg(fd, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

std::string slurp(const std::string& path) {
    std::stringstream ss;
    ss << std::ifstream(path).rdbuf();
    return ss.str();
}

// One request/reply round trip on a new connection: the connection is accepted and
// counted once this returns a reply.
std::optional<json::value> ask(int fd) {
    if (!send_all(fd, R"({"command":"echo","args":{"text":"hi"}})"
                      "\n"))
        return std::nullopt;
    return read_reply(fd);
}

bool is_root() {
    if (::geteuid() == 0) return true;
    WARN("SKIP: the admin server serves only its groups and root; run as root");
    return false;
}

// Waits (bounded) until the peer closes `fd`: true on EOF, false on timeout.
bool closed_by_peer(int fd, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto chunk = recv_some(fd, left);
        if (!chunk) return false;
        if (chunk->empty()) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("admin server answers requests in tiny pieces, several per connection") {
    if (::geteuid() != 0) {
        WARN("SKIP: identifies callers by uid; run as root to check the admin path");
        return;
    }
    Running r;
    auto fd = connect_unix(r.dir.file("admin.sock"));
    REQUIRE(fd);
    for (int round = 0; round < 3; ++round) {
        REQUIRE(send_all(fd.get(),
                         R"({"command":"echo","args":{"text":"hi"}})"
                         "\n",
                         1));
        auto reply = read_reply(fd.get());
        REQUIRE(reply);
        CHECK(reply->at("status").as_string() == "ok");
        CHECK(reply->at("result").at("text").as_string() == "hi");
        CHECK(reply->at("result").at("user").as_string() == "root");
    }
}

TEST_CASE("malformed admin requests get an error reply, the daemon serves others") {
    if (!is_root()) return;
    Running r;
    auto fd = connect_unix(r.dir.file("admin.sock"));
    REQUIRE(send_all(fd.get(), "{not json\n"));
    auto reply = read_reply(fd.get());
    REQUIRE(reply);
    CHECK(reply->at("status").as_string() == "error");
    CHECK(reply->at("code").as_string() == "usage");

    // Over-long request: error, then the connection is closed.
    auto big = connect_unix(r.dir.file("admin.sock"));
    send_all(big.get(), std::string(server::AdminServer::kMaxRequest + 10, 'x'));
    auto too_big = read_reply(big.get());
    REQUIRE(too_big);
    CHECK(too_big->at("message").as_string() == "request too large");

    REQUIRE(send_all(fd.get(), R"({"command":"nope"})"
                               "\n"));
    reply = read_reply(fd.get());
    REQUIRE(reply);
    CHECK(reply->at("code").as_string() == "usage");
}

TEST_CASE("callers are identified by uid and group") {
    auto root = server::caller_for_uid(0, {"x", "y"});
    CHECK(root.user == "root");
    CHECK(root.may_write);
    auto nobody =
        server::caller_for_uid(65534, {"warden-admin-test-none", "warden-view-test-none"});
    CHECK_FALSE(nobody.may_read);
    CHECK_FALSE(nobody.may_write);
    auto unknown = server::caller_for_uid(4000000, {"a", "b"});
    CHECK(unknown.user == "uid:4000000");
    CHECK_FALSE(unknown.may_read);
}

TEST_CASE("a request carries one descriptor, the command writes into it") {
    if (!is_root()) return;
    Running r;
    const std::string out = r.dir.file("out");
    UniqueFd file(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    REQUIRE(file);
    auto fd = connect_unix(r.dir.file("admin.sock"));
    REQUIRE(send_with_fds(fd.get(),
                          R"({"command":"fill","args":{"text":"copied"}})"
                          "\n",
                          {file.get()}));
    auto reply = read_reply(fd.get());
    REQUIRE(reply);
    CHECK(reply->at("status").as_string() == "ok");
    CHECK(slurp(out) == "copied");

    // The descriptor belonged to that request only: the next one has none.
    REQUIRE(send_all(fd.get(), R"({"command":"fill","args":{"text":"x"}})"
                               "\n"));
    reply = read_reply(fd.get());
    REQUIRE(reply);
    CHECK(reply->at("code").as_string() == "usage");
    // A command that takes none refuses one.
    REQUIRE(send_with_fds(fd.get(),
                          R"({"command":"echo","args":{"text":"x"}})"
                          "\n",
                          {file.get()}));
    reply = read_reply(fd.get());
    REQUIRE(reply);
    CHECK(reply->at("code").as_string() == "usage");

    // Two descriptors: refused and closed, nothing written.
    auto two = connect_unix(r.dir.file("admin.sock"));
    REQUIRE(send_with_fds(two.get(),
                          R"({"command":"fill","args":{"text":"twice"}})"
                          "\n",
                          {file.get(), file.get()}));
    reply = read_reply(two.get());
    REQUIRE(reply);
    CHECK(reply->at("message").as_string() == "at most one file descriptor per request");
    CHECK(closed_by_peer(two.get(), std::chrono::seconds(5)));
    CHECK(slurp(out) == "copied");
}

TEST_CASE("admin connections are capped per user and in total") {
    if (!is_root()) return;
    SECTION("per user") {
        Running r({10, 2});
        auto a = connect_unix(r.dir.file("admin.sock"));
        auto b = connect_unix(r.dir.file("admin.sock"));
        REQUIRE(ask(a.get()));
        REQUIRE(ask(b.get()));
        auto c = connect_unix(r.dir.file("admin.sock"));
        auto refused = read_reply(c.get());
        REQUIRE(refused);
        CHECK(refused->at("status").as_string() == "error");
        CHECK(refused->at("message").as_string().find("too many admin connections for root") !=
              std::string::npos);
        CHECK(closed_by_peer(c.get(), std::chrono::seconds(5)));
        // A slot freed is a slot usable again (the server notices the close first).
        a.reset();
        bool served = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!served && std::chrono::steady_clock::now() < deadline) {
            auto d = connect_unix(r.dir.file("admin.sock"));
            auto reply = ask(d.get());
            served = reply && reply->at("status").as_string() == "ok";
        }
        CHECK(served);
    }
    SECTION("in total") {
        Running r({2, 10});
        auto a = connect_unix(r.dir.file("admin.sock"));
        auto b = connect_unix(r.dir.file("admin.sock"));
        REQUIRE(ask(a.get()));
        REQUIRE(ask(b.get()));
        auto c = connect_unix(r.dir.file("admin.sock"));
        auto refused = read_reply(c.get());
        REQUIRE(refused);
        CHECK(refused->at("message").as_string().find("2 in all") != std::string::npos);
        CHECK(closed_by_peer(c.get(), std::chrono::seconds(5)));
    }
}

TEST_CASE("an admin connection without a complete request is closed after the idle timeout") {
    if (!is_root()) return;
    Running r({64, 16, std::chrono::milliseconds(200)});
    auto fd = connect_unix(r.dir.file("admin.sock"));
    // Taken before the request: the server restarts the wait when it has answered, so
    // this lower bound holds however late this thread runs again (a loaded machine).
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(ask(fd.get()));                         // a served request restarts the wait
    REQUIRE(send_all(fd.get(), R"({"command":)"));  // and a partial line does not
    CHECK(closed_by_peer(fd.get(), std::chrono::seconds(5)));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(150));

    // A client that asks for a large reply and stops reading does not hold its slot. Its own
    // server with a longer wait: the 800 KiB request must arrive whole before the wait ends
    // (a partial line does not restart it), which took more than 200 ms under TSan on a
    // loaded machine; the hang-up still comes well within the 5 s below.
    Running big_reply({64, 16, std::chrono::seconds(1)});
    auto slow = connect_unix(big_reply.dir.file("admin.sock"));
    const std::string big(800 * 1024, 'x');
    REQUIRE(send_all(slow.get(), R"({"command":"echo","args":{"text":")" + big + "\"}}\n"));
    pollfd hangup{slow.get(), 0, 0};  // POLLHUP once the server closed; nothing is read
    REQUIRE(::poll(&hangup, 1, 5000) == 1);
    CHECK((hangup.revents & POLLHUP) != 0);
}

TEST_CASE("callers outside both groups are refused at once with 'denied'") {
    if (!is_root()) return;
    Running r;
    ::chmod(r.dir.path.c_str(), 0755);  // let uid 65534 reach the 0666 socket
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(3);
        auto fd = connect_unix(r.dir.file("admin.sock"));
        if (!fd) ::_exit(4);
        std::string got;
        while (got.find('\n') == std::string::npos) {
            auto chunk = recv_some(fd.get());
            if (!chunk || chunk->empty()) ::_exit(5);
            got += *chunk;
        }
        const bool denied = got.find(R"("code":"denied")") != std::string::npos;
        ::_exit(denied && closed_by_peer(fd.get(), std::chrono::seconds(5)) ? 0 : 6);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

// In a child: the server runs out of descriptors with a connection waiting. Returns 0
// when it neither spins (CPU time well below the wall time) nor loses the connection.
int run_out_of_descriptors(const TempDir& dir) {
    boost::asio::io_context io;
    control::Registry registry;
    server::AdminServer server(io, dir.file("admin.sock"), registry, {"x", "y"},
                               {64, 16, std::chrono::seconds(30), std::chrono::milliseconds(100)});
    server.start();
    auto client = connect_unix(dir.file("admin.sock"));  // waits in the backlog
    if (!client) return 10;
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 64;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return 11;
    std::vector<UniqueFd> hog;
    for (;;) {
        UniqueFd fd(::dup(0));
        if (!fd) break;
        hog.push_back(std::move(fd));
    }
    timespec before{}, after{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &before);
    io.run_for(std::chrono::seconds(1));
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &after);
    const double cpu_ms =
        (after.tv_sec - before.tv_sec) * 1e3 + (after.tv_nsec - before.tv_nsec) / 1e6;
    if (cpu_ms > 50) return 1;  // a busy accept loop burns the whole second
    hog.clear();
    for (int i = 0; i < 40 && server.connection_count() == 0; ++i)
        io.run_for(std::chrono::milliseconds(50));
    return server.connection_count() == 1 ? 0 : 2;
}

TEST_CASE("accept backs off when descriptors run out instead of spinning") {
    if (!is_root()) return;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // The sanitizers' runtimes need descriptors of their own (UBSan's vptr check probes
    // memory through a pipe), so a process without any fails inside them: the default
    // build runs this test.
    WARN("skipped under sanitizers: they need free descriptors");
    return;
#endif
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int code = 12;
        {
            TempDir dir;
            code = run_out_of_descriptors(dir);
        }
        ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    INFO("1: busy loop, 2: connection not served after descriptors were freed, 1x: setup");
    CHECK(WEXITSTATUS(status) == 0);
}

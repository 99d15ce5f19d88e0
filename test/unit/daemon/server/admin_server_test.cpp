#include <catch2/catch.hpp>

#include <unistd.h>

#include <thread>

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

    Running()
        : server(io, dir.file("admin.sock"), registry,
                 {"warden-admin-test-none", "warden-view-test-none"}) {
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

// The fast path: the caller sends its own frame and reads its own verdict; the I/O thread
// takes over what the caller cannot finish at once. DaemonLink is driven directly, so
// the tests can see which thread did the work (DaemonLink::stats()).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <memory>

#include "fixture.hpp"
#include "plugin/daemon_link.hpp"

using namespace warden;
using namespace warden::testing;
using warden::plugin::DaemonLink;
using warden::plugin::DeferredTarget;
using warden::plugin::PluginLog;
using State = DaemonLink::Result::State;
using Replies = std::vector<FakeDaemon::Reply>;

namespace {

struct LinkFixture {
    TempDir dir;
    FakeDaemon daemon{dir.file("d.sock")};
    PluginLog log{nullptr};
    std::unique_ptr<DaemonLink> link;

    void start(DaemonLink::Options o = {}) {
        daemon.start();
        o.socket_path = dir.file("d.sock");
        link = std::make_unique<DaemonLink>(o, log);
        REQUIRE(link->start().empty());
        REQUIRE(link->connected());
        REQUIRE(daemon.wait_count(wire::Type::Hello, 1));
    }
    DeferredTarget target(const std::string& name) {
        DeferredTarget t{DeferredTarget::Kind::Auth, dir.file(name + ".ctl"),
                         dir.file(name + ".reason"), ""};
        testing::touch(t.control_file);
        testing::touch(t.reason_file);
        return t;
    }
};

wire::Message auth(const std::string& cn) {
    wire::Message m(wire::Type::Auth, 0);
    m.set("common_name", cn);
    return m;
}

DaemonLink::Options with_caller_reads(bool on) {
    DaemonLink::Options o;
    o.caller_reads = on;
    return o;
}

}  // namespace

TEST_CASE("the caller reads its verdict itself while the I/O thread is stalled",
          "[plugin][fastpath]") {
    LinkFixture f;
    f.daemon.set_responder([](const wire::Message& m) {
        const bool slow = m.get_or("common_name", "") == "slow";
        return Replies{{verdict(m.id, true), slow ? 50ms : 0ms}};
    });
    f.start();
    // Stall the I/O thread: the deferred verdict for "slow" goes to a FIFO nobody reads,
    // so the I/O thread blocks in open() until the test opens the other end.
    const std::string fifo = f.dir.file("stall.fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    struct Release {  // on any exit: unblock the I/O thread, and keep reading until stopped
        LinkFixture& f;
        UniqueFd reader;
        ~Release() {
            if (!reader)
                reader.reset(::open(f.dir.file("stall.fifo").c_str(), O_RDONLY | O_NONBLOCK));
            f.link->stop();
        }
    } release{f, {}};
    DeferredTarget stall{DeferredTarget::Kind::Auth, fifo, "", ""};
    auto slow = auth("slow");
    REQUIRE(f.link->call(slow, 0us, &stall).state == State::Deferred);
    // Out of the table: the I/O thread read the verdict and is now stuck writing it.
    REQUIRE(eventually([&] { return f.link->pending_count() == 0; }));

    auto fast = auth("fast");
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = f.link->call(fast, 5s, nullptr);
    CHECK(ms_since(t0) < 1000);
    CHECK(r.state == State::Answered);
    CHECK(r.outcome.allow);
    const auto stats = f.link->stats();
    CHECK(stats.read_by_caller == 1);
    CHECK(stats.read_by_io == 0);
    CHECK(stats.sends_queued == 0);  // sent by the caller too

    release.reader.reset(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK));
    REQUIRE(release.reader);
    std::string written;
    CHECK(eventually([&] {
        char c = 0;
        if (::read(release.reader.get(), &c, 1) == 1) written += c;
        return !written.empty();
    }));
    CHECK(written == "1");
}

TEST_CASE("a verdict read by the I/O thread wakes the waiting caller", "[plugin][fastpath]") {
    LinkFixture f;
    f.daemon.set_responder([](const wire::Message& m) {
        return Replies{{verdict(m.id, false, "no"), 20ms}};
    });
    f.start(with_caller_reads(false));
    auto m = auth("someone");
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = f.link->call(m, 5s, nullptr);
    CHECK(ms_since(t0) < 1000);  // woken by the I/O thread, not by the end of the budget
    CHECK(r.state == State::Answered);
    CHECK_FALSE(r.outcome.allow);
    CHECK(r.outcome.reason == "no");
    const auto stats = f.link->stats();
    CHECK(stats.read_by_io == 1);
    CHECK(stats.read_by_caller == 0);
}

TEST_CASE("either thread may read: every verdict in time reaches its caller",
          "[plugin][fastpath]") {
    LinkFixture f;
    f.daemon.set_responder([](const wire::Message& m) {
        return Replies{{verdict(m.id, true), 0ms}};
    });
    f.start();
    for (int i = 0; i < 100; ++i) {
        auto m = auth("c" + std::to_string(i));
        const auto r = f.link->call(m, 2s, nullptr);
        REQUIRE(r.state == State::Answered);
        CHECK(r.outcome.allow);
    }
    const auto stats = f.link->stats();
    CHECK(stats.read_by_caller + stats.read_by_io == 100);
    WARN("read by the caller " << stats.read_by_caller << "/100");
}

TEST_CASE("a deferred verdict and a synchronous one arriving in one read", "[plugin][fastpath]") {
    const bool caller_reads = GENERATE(true, false);
    INFO("caller_reads=" << caller_reads);
    LinkFixture f;
    auto later_id = std::make_shared<std::atomic<std::uint32_t>>(0);
    f.daemon.set_responder([&f, later_id](const wire::Message& m) {
        if (m.get_or("common_name", "") == "later") {
            *later_id = m.id;  // answered together with the next request
            return Replies{};
        }
        f.daemon.send_raw(wire::encode(verdict(*later_id, false, "too late")) +
                          wire::encode(verdict(m.id, true)));
        return Replies{};
    });
    f.start(with_caller_reads(caller_reads));
    auto target = f.target("later");
    auto later = auth("later");
    REQUIRE(f.link->call(later, 0us, &target).state == State::Deferred);
    REQUIRE(f.daemon.wait_count(wire::Type::Auth, 1));

    auto now = auth("now");
    const auto r = f.link->call(now, 5s, nullptr);
    CHECK(r.state == State::Answered);
    CHECK(r.outcome.allow);
    // The deferred one is written by the I/O thread, whoever read it.
    CHECK(wait_for_content(target.control_file) == "0");
    CHECK(read_file(target.reason_file) == "too late");
    CHECK(f.link->pending_count() == 0);
}

TEST_CASE("frames larger than the socket buffer arrive whole and in order", "[plugin][fastpath]") {
    LinkFixture f;
    f.daemon.set_responder([](const wire::Message&) { return Replies{}; });
    f.start();
    int sndbuf = 0;
    {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        socklen_t len = sizeof sndbuf;
        ::getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);
        ::close(sv[0]);
        ::close(sv[1]);
    }
    const std::size_t big = 60000;  // below the 64 KiB frame limit
    const int count = std::max(8, static_cast<int>(3 * static_cast<std::size_t>(sndbuf) / big));
    const int notify_after = count / 2;

    f.daemon.set_reading(false);  // the buffer fills: sends stop part-way through a frame
    for (int i = 0; i < count; ++i) {
        auto m = auth("big-" + std::to_string(i));
        m.set("password", std::string(big, static_cast<char>('a' + i % 26)));
        // Budget 0, no target: refused at once, but the frame is on its way regardless.
        CHECK(f.link->call(m, 0us, nullptr).state == State::Refused);
        if (i == notify_after) {
            wire::Message d(wire::Type::Disconnect, 0);
            d.set("common_name", "between");
            CHECK(f.link->notify(d));
        }
    }
    CHECK(f.link->stats().sends_queued >= 1);
    f.daemon.set_reading(true);
    REQUIRE(f.daemon.wait_count(wire::Type::Auth, static_cast<std::size_t>(count), 10s));
    REQUIRE(f.daemon.wait_count(wire::Type::Disconnect, 1));

    std::vector<std::string> order;
    for (const auto& m : f.daemon.received()) {
        if (m.type == wire::Type::Hello) continue;
        order.push_back(m.get_or("common_name", "?"));
        if (m.type != wire::Type::Auth) continue;
        const int i = std::stoi(m.get_or("common_name", "big--1").substr(4));
        INFO("frame " << i);
        CHECK(m.get_or("password", "") == std::string(big, static_cast<char>('a' + i % 26)));
    }
    std::vector<std::string> expected;
    for (int i = 0; i < count; ++i) {
        expected.push_back("big-" + std::to_string(i));
        if (i == notify_after) expected.push_back("between");
    }
    CHECK(order == expected);
}

TEST_CASE("daemon closes the connection while the caller waits: refused at once, reconnect",
          "[plugin][fastpath]") {
    const bool caller_reads = GENERATE(true, false);
    INFO("caller_reads=" << caller_reads);
    LinkFixture f;
    f.daemon.set_responder([&f](const wire::Message& m) {
        if (m.get_or("common_name", "") == "drop") {
            f.daemon.drop_client();
            return Replies{};
        }
        return Replies{{verdict(m.id, true), 0ms}};
    });
    f.start(with_caller_reads(caller_reads));
    auto m = auth("drop");
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = f.link->call(m, 5s, nullptr);
    CHECK(ms_since(t0) < 1000);  // not the 5 s budget
    CHECK_FALSE(r.outcome.allow);
    CHECK(r.outcome.reason == "daemon connection lost");
    CHECK(f.link->pending_count() == 0);

    REQUIRE(f.daemon.wait_count(wire::Type::Hello, 2));  // the I/O thread reconnected
    CHECK(eventually([&] {
        auto again = auth("ok");
        const auto r2 = f.link->call(again, 2s, nullptr);
        return r2.state == State::Answered && r2.outcome.allow;
    }));
}

TEST_CASE("mixed traffic: sync and deferred verdicts, pings, both readers at work",
          "[plugin][fastpath]") {
    LinkFixture f;
    f.daemon.set_responder([&f](const wire::Message& m) {
        const std::string cn = m.get_or("common_name", "");
        const int n = std::stoi(cn.substr(cn.find('-') + 1));
        if (n % 7 == 0) f.daemon.send(wire::Message(wire::Type::Ping, 1000 + n));
        const auto delay = cn.rfind("slow", 0) == 0 ? std::chrono::milliseconds(3 + n % 20) : 0ms;
        return Replies{{verdict(m.id, n % 3 != 0, "no-" + cn), delay}};
    });
    f.start();
    struct Deferred {
        int n;
        DeferredTarget target;
    };
    std::vector<Deferred> deferred;
    for (int n = 1; n <= 300; ++n) {
        const std::string cn = (n % 2 == 0 ? "slow-" : "fast-") + std::to_string(n);
        auto target = f.target(cn);
        auto m = auth(cn);
        const auto r = f.link->call(m, 2ms, &target);
        if (r.state == State::Deferred) {
            deferred.push_back({n, target});
            continue;
        }
        INFO(cn);
        REQUIRE(r.state == State::Answered);
        CHECK(r.outcome.allow == (n % 3 != 0));
    }
    for (const auto& d : deferred) {
        INFO("deferred " << d.n);
        CHECK(wait_for_content(d.target.control_file) == (d.n % 3 != 0 ? "1" : "0"));
    }
    CHECK(f.daemon.wait_count(wire::Type::Pong, 300 / 7));
    CHECK(f.link->pending_count() == 0);
}

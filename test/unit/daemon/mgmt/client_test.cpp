// The client against a fake management server on the same io_context. Every wait runs
// the io_context until the awaited event, bounded by a deadline; no sleeps.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

#include "daemon/mgmt/client.hpp"
#include "support/unix_client.hpp"
#include "unit/daemon/mgmt/fake_server.hpp"

using namespace warden::mgmt;
using namespace std::chrono_literals;
using warden::testing::FakeMgmtServer;
using warden::testing::TempDir;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(MGMT_FIXTURES) + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::string kOneSession =
    "TITLE\tOpenVPN 2.6.14\r\nTIME\t2026-11-23 02:32:15\t1795401135\r\n"
    "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes "
    "Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer "
    "ID\tData Channel Cipher\r\n"
    "CLIENT_LIST\tzoe\t2001:db8::5\t10.200.0.7\t\t1\t2\t2026-11-23 02:32:12\t1795401132\tUNDEF\t"
    "31\t0\tAES-256-GCM\r\nEND\r\n";

struct Reply {
    bool done = false, ok = false;
    std::string text;
    std::vector<std::string> lines;
};

struct Rig {
    boost::asio::io_context io;
    TempDir dir;
    std::string path = dir.file("mgmt.sock");
    FakeMgmtServer server{io, path};
    ClientOptions options;
    std::unique_ptr<Client> client;
    std::vector<std::vector<Session>> lists;
    std::vector<bool> changes;

    Rig() {
        server.status = fixture("status3-openvpn-2.6.14.txt");
        server.live_cids = {"16", "18"};
        server.live_addresses = {"127.0.0.1:35498"};
        options.poll_interval = 50ms;
        options.backoff_initial = 10ms;
        options.backoff_max = 100ms;
        options.command_timeout = 2s;
    }

    void start(const std::string& socket = {}) {
        client = std::make_unique<Client>(io, "main", socket.empty() ? path : socket, options);
        client->on_sessions([this](const std::vector<Session>& s) { lists.push_back(s); });
        client->on_connection_change([this](bool up) { changes.push_back(up); });
        client->start();
    }

    template <typename Pred>
    bool run_until(Pred pred, std::chrono::milliseconds limit = 5s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            io.restart();
            io.run_for(5ms);
        }
        return true;
    }

    bool wait_ready() {
        return run_until([&] { return client->connected() && !lists.empty(); });
    }

    Client::KillDone into(Reply& r) {
        return [&r](bool ok, std::string text) { r = {true, ok, std::move(text), {}}; };
    }
    Client::CommandDone lines_into(Reply& r) {
        return [&r](bool ok, std::vector<std::string> l) { r = {true, ok, {}, std::move(l)}; };
    }
};

}  // namespace

TEST_CASE("status polling yields sessions, in one burst or byte by byte") {
    Rig rig;
    rig.server.chunk = GENERATE(0, 1, 5);
    rig.server.inject = ">LOG:1795401131,I,hello\r\n>BYTECOUNT_CLI:16,10,20\r\n";
    rig.start();
    REQUIRE(rig.run_until([&] { return rig.lists.size() >= 3; }));  // first list + two polls
    CHECK(rig.client->connected());
    CHECK(rig.changes == std::vector<bool>{true});
    const auto& s = rig.client->sessions();
    REQUIRE(s.size() == 2);
    CHECK(s[0].instance == "main");
    CHECK(s[0].common_name == "alice");
    CHECK(s[0].client_id == 16);
    CHECK(s[1].real_address == "127.0.0.1:33959");
    CHECK(rig.server.count("status 3") >= 3);
}

TEST_CASE("kills report OpenVPN's SUCCESS and ERROR, answers matched in order") {
    Rig rig;
    rig.server.chunk = GENERATE(0, 1);
    rig.server.inject = ">CLIENT:ENV,untrusted_ip=127.0.0.1\r\n>LOG:1,I,x\r\n";
    rig.options.poll_interval = 1h;
    rig.start();
    REQUIRE(rig.wait_ready());

    Reply live, gone, by_addr, addr_gone, bad_addr;
    std::vector<int> order;
    rig.client->kill_client(16, [&](bool ok, std::string t) {
        live = {true, ok, t, {}};
        order.push_back(1);
    });
    rig.client->kill_client(99, [&](bool ok, std::string t) {
        gone = {true, ok, t, {}};
        order.push_back(2);
    });
    rig.client->kill_address("127.0.0.1:35498", rig.into(by_addr));
    rig.client->kill_address("127.0.0.1:1", rig.into(addr_gone));
    rig.client->kill_address("1.2.3.4:5\nsignal SIGTERM", rig.into(bad_addr));
    REQUIRE(rig.run_until(
        [&] { return live.done && gone.done && by_addr.done && addr_gone.done && bad_addr.done; }));

    CHECK(live.ok);
    CHECK(live.text == "client-kill command succeeded");
    CHECK_FALSE(gone.ok);
    CHECK(gone.text == "client-kill command failed");
    CHECK(order == std::vector<int>{1, 2});
    CHECK(by_addr.ok);
    CHECK(by_addr.text == "1 client(s) at address 127.0.0.1:35498 killed");
    CHECK_FALSE(addr_gone.ok);
    CHECK_FALSE(bad_addr.ok);
    CHECK(rig.server.count("client-kill 16") == 1);
    CHECK(rig.server.count("kill 127.0.0.1:35498") == 1);
    for (const auto& line : rig.server.received) CHECK(line.find("SIGTERM") == std::string::npos);
}

TEST_CASE("an address kill cannot express goes by client id") {
    Rig rig;
    rig.server.status = kOneSession;
    rig.server.live_cids = {"31"};
    rig.start();
    REQUIRE(rig.wait_ready());
    Reply known, unknown, with_port;
    rig.client->kill_address("2001:db8::5", rig.into(known));
    rig.client->kill_address("2001:db8::6", rig.into(unknown));
    // As wardend keys the session (the plugin knows the port, status 3 does not).
    rig.client->kill_address("[2001:db8::5]:40000", rig.into(with_port));
    REQUIRE(rig.run_until([&] { return known.done && unknown.done && with_port.done; }));
    CHECK(known.ok);
    CHECK(with_port.ok);
    CHECK(rig.server.count("client-kill 31") == 2);
    CHECK_FALSE(unknown.ok);
}

TEST_CASE("generic commands: single-line, multi-line, errors, in order") {
    Rig rig;
    rig.options.poll_interval = 1h;
    rig.start();
    REQUIRE(rig.wait_ready());
    Reply version, pid, bogus, smuggled;
    rig.client->send_command("version", rig.lines_into(version));
    rig.client->send_command("pid", rig.lines_into(pid));
    rig.client->send_command("bogus", rig.lines_into(bogus));
    rig.client->send_command("pid\nsignal SIGTERM", rig.lines_into(smuggled));
    REQUIRE(rig.run_until([&] { return version.done && pid.done && bogus.done && smuggled.done; }));
    CHECK(version.ok);
    CHECK(version.lines.size() == 2);
    CHECK(pid.ok);
    CHECK(pid.lines == std::vector<std::string>{"pid=4242"});
    CHECK_FALSE(bogus.ok);
    CHECK_FALSE(smuggled.ok);
    CHECK(rig.server.count("signal SIGTERM") == 0);
}

TEST_CASE("an OpenVPN restart is followed by a reconnect and a fresh session list") {
    Rig rig;
    rig.start();
    REQUIRE(rig.wait_ready());
    REQUIRE(rig.client->sessions().size() == 2);

    rig.server.close();
    REQUIRE(rig.run_until([&] { return rig.changes.size() == 2; }));
    CHECK(rig.changes == std::vector<bool>{true, false});
    CHECK_FALSE(rig.client->connected());
    CHECK(rig.client->sessions().empty());

    // While OpenVPN is away commands fail at once, long before the command timeout.
    Reply r;
    auto asked = std::chrono::steady_clock::now();
    rig.client->send_command("pid", rig.lines_into(r));
    REQUIRE(rig.run_until([&] { return r.done; }, 1s));
    CHECK_FALSE(r.ok);
    CHECK(std::chrono::steady_clock::now() - asked < 1s);

    rig.server.status = kOneSession;
    rig.server.listen();
    REQUIRE(rig.run_until(
        [&] { return rig.changes.size() == 3 && rig.client->sessions().size() == 1; }));
    CHECK(rig.changes.back());
    CHECK(rig.client->sessions()[0].common_name == "zoe");
    CHECK(rig.server.accepted == 2);
}

TEST_CASE("with no server at all, commands fail promptly and retries go on quietly") {
    Rig rig;
    Reply before_start, after_start;
    rig.start(rig.dir.file("absent.sock"));
    rig.client->send_command("pid", rig.lines_into(after_start));
    REQUIRE(rig.run_until([&] { return after_start.done; }, 1s));
    CHECK_FALSE(after_start.ok);
    rig.client->stop();
    rig.client->send_command("pid", rig.lines_into(before_start));
    REQUIRE(rig.run_until([&] { return before_start.done; }, 1s));
    CHECK_FALSE(before_start.ok);
    CHECK(rig.changes.empty());
}

TEST_CASE("management password") {
    Rig rig;
    rig.server.password = "sekrit";
    rig.server.chunk = 1;  // the prompt has no line end: it must be found in pieces
    SECTION("right password") {
        rig.options.password = "sekrit";
        rig.start();
        REQUIRE(rig.wait_ready());
        CHECK(rig.client->sessions().size() == 2);
    }
    SECTION("wrong password: retried with backoff, never connected") {
        rig.options.password = "guess";
        rig.start();
        REQUIRE(rig.run_until([&] { return rig.server.count("guess") >= 3; }));
        CHECK_FALSE(rig.client->connected());
        CHECK(rig.changes.empty());
        CHECK(rig.server.count("guess") >= 3);
    }
    SECTION("no password configured") {
        rig.start();
        REQUIRE(rig.run_until([&] { return rig.server.accepted >= 2; }));
        CHECK_FALSE(rig.client->connected());
        CHECK(rig.server.received.empty());
    }
}

TEST_CASE("an unanswered command times out and the connection starts over") {
    Rig rig;
    rig.options.poll_interval = 1h;
    rig.options.command_timeout = 200ms;
    rig.start();
    REQUIRE(rig.wait_ready());
    rig.server.answer = false;
    Reply r;
    rig.client->send_command("pid", rig.lines_into(r));
    REQUIRE(rig.run_until([&] { return r.done; }));
    CHECK_FALSE(r.ok);
    CHECK(r.lines == std::vector<std::string>{"command timeout"});
    rig.server.answer = true;
    REQUIRE(rig.run_until([&] { return rig.changes.size() == 3 && rig.client->connected(); }));
    CHECK(rig.server.accepted == 2);
}

TEST_CASE("notifications and refresh() trigger a poll, junk is survived") {
    Rig rig;
    rig.options.poll_interval = 1h;
    rig.options.max_line = 1024;
    rig.start();
    REQUIRE(rig.wait_ready());
    auto polls = rig.server.count("status 3");
    rig.server.push(">CLIENT:ESTABLISHED,20\r\n>CLIENT:ENV,common_name=bob\r\n>CLIENT:ENV,END\r\n");
    REQUIRE(rig.run_until([&] { return rig.server.count("status 3") == polls + 1; }));
    REQUIRE(rig.run_until([&] { return rig.lists.size() == 2; }));
    rig.client->refresh();  // sent at once
    rig.client->refresh();  // waits for the first to be answered
    rig.client->refresh();  // coalesced with the one still waiting to be sent
    REQUIRE(rig.run_until([&] { return rig.lists.size() >= 4; }));
    CHECK(rig.server.count("status 3") == polls + 3);

    rig.server.push(std::string(100000, 'x') + "\r\n");
    Reply r;
    rig.client->kill_client(18, rig.into(r));
    REQUIRE(rig.run_until([&] { return r.done; }));
    CHECK(r.ok);
    CHECK(rig.client->connected());
}

TEST_CASE("stop fails pending commands, destruction drops their callbacks") {
    Rig rig;
    rig.options.poll_interval = 1h;
    rig.start();
    REQUIRE(rig.wait_ready());
    rig.server.answer = false;
    Reply stopped;
    rig.client->send_command("pid", rig.lines_into(stopped));
    rig.client->stop();
    CHECK_FALSE(stopped.done);  // never from inside the call
    REQUIRE(rig.run_until([&] { return stopped.done; }));
    CHECK_FALSE(stopped.ok);
    CHECK_FALSE(rig.client->connected());

    rig.client->start();
    REQUIRE(rig.run_until([&] { return rig.changes.size() == 2; }));
    bool called = false;
    rig.client->send_command("pid", [&](bool, std::vector<std::string>) { called = true; });
    rig.client.reset();
    rig.io.restart();
    rig.io.run_for(50ms);
    CHECK_FALSE(called);
}

// ManagedSessions' view of live sessions against a scripted management interface: only
// established sessions are listed, and a killed one leaves the view at once, although
// OpenVPN keeps listing it until the client is really gone.
#include <catch2/catch.hpp>

#include "../mgmt/fake_server.hpp"
#include "daemon/app/managed_sessions.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

// `status 3` as OpenVPN 2.6 answers it: alice established (cid 16), bob still being
// decided (or refused), so without a VPN address yet (cid 18).
std::string status_with(const std::string& rows) {
    return "TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu\r\n"
           "TIME\t2026-11-23 02:31:58\t1795401118\r\n"
           "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 "
           "Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since "
           "(time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher\r\n" +
           rows +
           "HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast "
           "Ref (time_t)\r\n"
           "GLOBAL_STATS\tMax bcast/mcast queue length\t0\r\n"
           "END\r\n";
}
const std::string kAlice =
    "CLIENT_LIST\talice\t127.0.0.1:35498\t10.8.0.2\t\t1905\t2084\t2026-11-23 "
    "02:29:59\t1795400999\tUNDEF\t16\t15\tAES-256-GCM\r\n";
const std::string kBob =
    "CLIENT_LIST\tbob\t127.0.0.1:33959\t\t\t400\t300\t2026-11-23 "
    "02:31:45\t1795401105\tUNDEF\t18\t1\tAES-256-GCM\r\n";

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    boost::asio::io_context io;
    testing::FakeMgmtServer server{io, dir.file("mgmt.sock")};
    core::SessionTable table;
    core::Config config = [this] {
        core::Config c;
        c.management_poll_ms = 20;
        c.instances.push_back({"default", dir.file("mgmt.sock"), ""});
        return c;
    }();
    core::Clock clock{[] { return std::int64_t{1795401118}; }};
    app::ManagedSessions sessions{io, config, table, *store, clock};

    Fixture() {
        server.status = status_with(kAlice + kBob);
        sessions.start();
        REQUIRE(run_until([&] { return server.count("status 3") >= 2; }));
    }
    ~Fixture() { sessions.stop(); }

    template <typename Pred>
    bool run_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            io.restart();
            io.run_for(std::chrono::milliseconds(5));
            if (pred()) return true;
        }
        return false;
    }
    std::vector<std::string> listed() {
        std::vector<std::string> names;
        for (const auto& v : sessions.list()) names.push_back(v.common_name);
        return names;
    }
    // What the plugin would have reported when alice connected.
    void plugin_saw_alice() {
        table.connected(
            {"default", "127.0.0.1:35498", "0a1b", "alice", 7, "alice", "10.8.0.2", 1795400999});
    }
};

}  // namespace

TEST_CASE("session list shows only sessions that got their VPN address") {
    Fixture f;
    CHECK(f.listed() == std::vector<std::string>{"alice"});
    const auto views = f.sessions.list();
    REQUIRE(views.size() == 1);
    CHECK(views[0].vpn_ip == "10.8.0.2");
}

TEST_CASE("a killed session leaves the view at once and stays out while OpenVPN lists it") {
    Fixture f;
    f.plugin_saw_alice();
    f.server.live_cids = {"16"};
    REQUIRE(f.sessions.end_sessions_of_device(7, "ended by admin") == 1);
    CHECK(f.listed().empty());  // before OpenVPN even answered
    REQUIRE(f.run_until([&] { return f.server.count("client-kill 16") == 1; }));
    // OpenVPN still lists it (client-kill keeps the instance until the client is gone).
    const auto polls = f.server.count("status 3");
    REQUIRE(f.run_until([&] { return f.server.count("status 3") >= polls + 2; }));
    CHECK(f.listed().empty());

    // Gone from OpenVPN, then the device reconnects (a new client id): listed again.
    f.server.status = status_with(kBob);
    const auto polls_gone = f.server.count("status 3");
    REQUIRE(f.run_until([&] { return f.server.count("status 3") >= polls_gone + 2; }));
    f.server.status = status_with(
        "CLIENT_LIST\talice\t127.0.0.1:40000\t10.8.0.2\t\t1\t1\t2026-11-23 "
        "02:32:00\t1795401120\tUNDEF\t21\t3\tAES-256-GCM\r\n");
    CHECK(f.run_until([&] { return f.listed() == std::vector<std::string>{"alice"}; }));
}

TEST_CASE("a kill that fails shows the session again") {
    Fixture f;
    f.plugin_saw_alice();
    // live_cids empty: OpenVPN answers "ERROR: client-kill command failed".
    REQUIRE(f.sessions.end_sessions_of_device(7, "ended by admin") == 1);
    CHECK(f.listed().empty());
    CHECK(f.run_until([&] { return f.listed() == std::vector<std::string>{"alice"}; }));
    CHECK(f.table.find("default", "127.0.0.1:35498"));
}

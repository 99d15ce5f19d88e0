// The plugin's Report frames: decoded and validated at the edge, logged and counted; the
// daemon's own time per verdict (frame read -> reply handed to the socket); the
// after-reply work runs once the replies went out.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "common/protocol.hpp"
#include "daemon/server/plugin_report.hpp"
#include "daemon/server/plugin_server.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::testing;

namespace {

wire::Message deferred(std::string kind, std::string why, std::string waited,
                       std::string cn = "laptop") {
    wire::Message m(wire::Type::Report, 0);
    m.set("event", "deferred").set("kind", std::move(kind)).set("common_name", std::move(cn));
    m.set("why", std::move(why)).set("waited_ms", std::move(waited));
    return m;
}

wire::Message late(std::string result, std::string late_ms) {
    wire::Message m(wire::Type::Report, 0);
    m.set("event", "late").set("kind", "connect").set("common_name", "laptop");
    m.set("result", std::move(result)).set("late_ms", std::move(late_ms));
    return m;
}

struct Answering : core::PluginRequests {
    std::atomic<int> after = 0;
    core::VerdictReply auth(const core::AuthRequest&) override { return {true, {}, {}}; }
    core::VerdictReply connect(const core::ConnectRequest&) override { return {true, {}, {}}; }
    void disconnect(const core::DisconnectRequest&) override {}
    void after_replies() override { ++after; }
};

}  // namespace

TEST_CASE("plugin reports: well-formed ones decode, malformed fields are named") {
    std::string error;
    auto d = server::decode_report(deferred("auth", "budget", "2.013"), error);
    REQUIRE(d);
    CHECK(d->event == core::DeferralReport::Event::Deferred);
    CHECK(d->kind == core::RequestKind::Auth);
    CHECK(d->cause == core::DeferralCause::Budget);
    CHECK(d->common_name == "laptop");
    CHECK(d->waited_ms == Approx(2.013));
    auto l = server::decode_report(late("timeout", "10000.5"), error);
    REQUIRE(l);
    CHECK(l->kind == core::RequestKind::Connect);
    CHECK(l->timed_out);
    CHECK_FALSE(l->allowed);
    CHECK(l->late_ms == Approx(10000.5));

    const std::vector<std::pair<wire::Message, std::string>> bad = {
        {deferred("disconnect", "budget", "1"), "kind"},
        {deferred("auth", "sometimes", "1"), "why"},
        {deferred("auth", "budget", "-1"), "waited_ms"},
        {deferred("auth", "budget", "1e3"), "waited_ms"},
        {deferred("auth", "budget", "nan"), "waited_ms"},
        {deferred("auth", "budget", "999999999999"), "waited_ms"},
        {deferred("auth", "budget", ""), "waited_ms"},
        {late("maybe", "1"), "result"},
        {late("allow", "x"), "late_ms"},
        {wire::Message(wire::Type::Report, 0).set("event", "other"), "event"},
        {deferred("auth", "budget", "1", std::string(300, 'x')), "common_name"},
    };
    for (const auto& [msg, field] : bad) {
        INFO(field);
        error.clear();
        CHECK_FALSE(server::decode_report(msg, error));
        CHECK(error == field);
    }
}

TEST_CASE("plugin server counts reported deferrals and its own verdict times") {
    boost::asio::io_context io;
    Answering requests;
    TempDir dir;
    server::PluginServer server(io, dir.file("p.sock"), requests, {});
    server.start();
    std::thread thread([&io] { io.run(); });

    auto fd = connect_unix(dir.file("p.sock"));
    REQUIRE(fd);
    std::string burst;
    burst += wire::encode(deferred("auth", "budget", "2.5"));
    burst += wire::encode(deferred("connect", "queued", "0.1"));
    burst += wire::encode(deferred("connect", "budget", "2.1"));
    burst += wire::encode(late("allow", "950"));
    burst += wire::encode(late("timeout", "10000"));
    burst += wire::encode(deferred("auth", "bogus", "1"));  // logged, not counted
    for (std::uint32_t id = 1; id <= 3; ++id)
        burst += wire::encode(wire::Message(wire::Type::Auth, id)
                                  .set("common_name", "x")
                                  .set("untrusted_ip", "192.0.2.1")
                                  .set("untrusted_port", "4000"));
    REQUIRE(send_all(fd.get(), burst));
    // Three replies: everything sent before them has been handled.
    wire::Decoder decoder;
    std::size_t replies = 0;
    while (replies < 3) {
        auto chunk = recv_some(fd.get());
        REQUIRE(chunk);
        REQUIRE_FALSE(chunk->empty());
        decoder.feed(*chunk);
        wire::Message m;
        while (decoder.next(m) == wire::DecodeStatus::Ok) replies += m.type == wire::Type::Verdict;
    }
    // The connection stays open after a malformed report.
    REQUIRE(send_all(fd.get(), wire::encode(wire::Message(wire::Type::Ping, 77))));
    auto pong = recv_some(fd.get());
    REQUIRE(pong);
    CHECK_FALSE(pong->empty());

    std::promise<core::VerdictStats> got;
    boost::asio::post(io, [&] { got.set_value(server.stats()); });
    const core::VerdictStats stats = got.get_future().get();
    const auto& d = stats.deferrals();
    CHECK(d.total == 3);
    CHECK(d.auth == 1);
    CHECK(d.connect == 2);
    CHECK(d.budget == 2);
    CHECK(d.queued == 1);
    CHECK(d.late == 2);
    CHECK(d.timed_out == 1);
    CHECK(d.max_late_ms == Approx(10000));
    CHECK(stats.times().count == 3);  // Pong is not a verdict
    CHECK(stats.times().over_2ms <= stats.times().over_1ms);
    CHECK(requests.after >= 1);  // the after-reply work ran

    boost::asio::post(io, [&] {
        server.stop();
        io.stop();
    });
    thread.join();
}

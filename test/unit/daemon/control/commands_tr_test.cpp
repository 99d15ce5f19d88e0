// tr.set / off / send / confirm / status (issue 10) against a real store, with a fake
// mail outbox that keeps what would be sent, and the TR service behind them.
#include <regex>
#include <set>

#include "control_fixture.hpp"
#include "daemon/core/time_restriction.hpp"
#include "daemon/tr/tr_service.hpp"
#include "daemon/tr/tr_token.hpp"

using namespace warden;
using namespace warden::control;
using control::test::Fixture;

namespace {

struct Mail {
    std::string kind, to, subject, body;
};

struct TrFixture : Fixture {
    tr::TrService service{*store, daemon_clock, {"https://vpn.example.net/", 300}};
    std::vector<Mail> outbox;
    int changes = 0;   // Services::tr_changed (release timer re-arm)
    int released = 0;  // TrService::on_changed (index reload, prefetch drop, re-arm)

    TrFixture() {
        service.set_mailer([this](const std::string& kind, const std::string& to,
                                  const std::string& subject, const std::string& body,
                                  std::string&) -> std::optional<std::int64_t> {
            outbox.push_back({kind, to, subject, body});
            return static_cast<std::int64_t>(outbox.size());
        });
        service.on_changed([this] { ++released; });
        services->tr = &service;
        services->tr_changed = [this] { ++changes; };
        REQUIRE(run("device.add", {{"name", "laptop"}, {"type", "pc"}, {"email", "u@example.org"}})
                    .code == Code::Ok);
        REQUIRE(run("device.add", {{"name", "mute"}, {"type", "pc"}}).code == Code::Ok);
    }

    std::int64_t id(const std::string& name) { return store->find_device(name)->id; }

    Reply set_window(const std::string& device, std::int64_t start, std::int64_t end) {
        return run(
            "tr.set",
            {{"device", device}, {"start", std::to_string(start)}, {"end", std::to_string(end)}});
    }

    // The token in the last mail (the code line, and the link must carry the same one).
    std::string last_token() {
        REQUIRE_FALSE(outbox.empty());
        std::smatch m;
        const std::string& body = outbox.back().body;
        REQUIRE(std::regex_search(body, m, std::regex("/tr/([A-Z2-7]{32})\n")));
        const std::string in_link = m[1];
        REQUIRE(std::regex_search(body, m, std::regex("\n  ([A-Z2-7]{32})\n")));
        CHECK(m[1] == in_link);
        return in_link;
    }

    std::vector<std::string> actions() {
        std::vector<std::string> out;
        for (const auto& e : store->activity(0, 100)) out.push_back(e.action);
        return out;
    }
};

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST_CASE("tr set: window and duration mode, times in UTC ISO 8601 or Unix seconds") {
    TrFixture f;
    f.clock = 1764000000;  // 2025-11-24T16:00:00Z
    auto r =
        f.run("tr.set",
              {{"device", "laptop"}, {"start", "2025-11-24T17:00"}, {"end", "2025-11-24 18:30"}});
    REQUIRE(r.code == Code::Ok);
    auto t = f.store->tr_settings(f.id("laptop"));
    REQUIRE(t);
    CHECK(t->mode == store::TrMode::Window);
    CHECK(t->start == 1764003600);
    CHECK(t->end == 1764009000);
    CHECK(r.result.as_object().at("sessions_ended").as_int64() == 1);
    CHECK(f.sessions.reasons.back() == core::kNotReleased);  // a live session may not go on
    CHECK(f.changes == 1);
    CHECK(f.actions().front() == "tr.set");

    r = f.run("tr.set", {{"device", "laptop"},
                         {"start", "1764003600"},
                         {"end", "2025-11-24T19:00Z"},
                         {"duration", "2h"}});
    REQUIRE(r.code == Code::Ok);
    t = f.store->tr_settings(f.id("laptop"));
    CHECK(t->mode == store::TrMode::Duration);
    CHECK(t->duration == 7200);
    CHECK(t->end == 1764010800);
    auto status = f.run("tr.status", {{"device", "laptop"}});
    REQUIRE(status.code == Code::Ok);
    const auto& row = status.result.as_array().at(0).as_object();
    CHECK(row.at("mode") == "duration");
    CHECK(row.at("start") == "2025-11-24T17:00:00Z");
    CHECK(row.at("duration") == "2h");
    CHECK(row.at("released") == false);
    CHECK(row.at("released_until").is_null());
}

TEST_CASE("tr set refuses what cannot work, and changes nothing then") {
    TrFixture f;
    const auto now = f.clock;
    CHECK(f.set_window("nobody", now, now + 60).code == Code::NotFound);
    CHECK(f.set_window("laptop", now + 60, now).code == Code::Invalid);        // end before start
    CHECK(f.set_window("laptop", now - 120, now - 60).code == Code::Invalid);  // over
    CHECK(f.run("tr.set", {{"device", "laptop"}, {"start", "tomorrow"}, {"end", "1"}}).code ==
          Code::Invalid);
    CHECK(f.run("tr.set", {{"device", "laptop"},
                           {"start", std::to_string(now)},
                           {"end", std::to_string(now + 60)},
                           {"duration", "0s"}})
              .code == Code::Invalid);
    CHECK_FALSE(f.store->tr_settings(f.id("laptop")));
    CHECK(f.changes == 0);
}

TEST_CASE("tr send mails a token and a link, the store keeps only its hash") {
    TrFixture f;
    REQUIRE(f.set_window("laptop", f.clock - 60, f.clock + 3600).code == Code::Ok);
    auto r = f.run("tr.send", {{"device", "laptop"}});
    REQUIRE(r.code == Code::Ok);
    REQUIRE(f.outbox.size() == 1);
    CHECK(f.outbox[0].to == "u@example.org");
    CHECK(f.outbox[0].kind == "tr-token");
    CHECK(f.outbox[0].subject.find("laptop") != std::string::npos);
    CHECK(f.outbox[0].body.find("https://vpn.example.net/tr/") != std::string::npos);
    const std::string token = f.last_token();
    const auto rows = f.store->tr_tokens(f.id("laptop"));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].token_hash == tr::token_hash(token));
    CHECK(rows[0].token_hash.find(token) == std::string::npos);
    CHECK(rows[0].expires_at == f.clock + 3600);  // expires with the window
    CHECK(f.store->tr_settings(f.id("laptop"))->last_token_sent_at == f.clock);
    CHECK(f.actions().front() == "tr.sent");

    CHECK(f.run("tr.send", {{"device", "mute"}}).code == Code::Invalid);  // not restricted
    REQUIRE(f.set_window("mute", f.clock, f.clock + 60).code == Code::Ok);
    r = f.run("tr.send", {{"device", "mute"}});
    CHECK(r.code == Code::Invalid);
    CHECK(r.message.find("no e-mail address") != std::string::npos);
}

TEST_CASE("tr confirm releases until the window ends, a token works once, a guess never") {
    TrFixture f;
    REQUIRE(f.set_window("laptop", f.clock - 60, f.clock + 3600).code == Code::Ok);
    REQUIRE(f.run("tr.send", {{"device", "laptop"}}).code == Code::Ok);
    const std::string token = f.last_token();

    // A look-up (the page's GET, a mail scanner) uses nothing.
    auto view = f.service.lookup(token);
    CHECK(view.state == http::TokenState::Valid);
    CHECK(view.device == "laptop");
    CHECK(view.effect.find("access until") != std::string::npos);
    CHECK(view.refusal.empty());

    auto r = f.run("tr.confirm", {{"token", token}});
    REQUIRE(r.code == Code::Ok);
    CHECK(r.result.as_object().at("device") == "laptop");
    CHECK(f.store->tr_settings(f.id("laptop"))->released_until == f.clock + 3600);
    CHECK(f.released == 1);
    const auto acts = f.actions();
    CHECK(has(acts, "tr.confirmed"));
    CHECK(has(acts, "tr.released"));

    r = f.run("tr.confirm", {{"token", token}});
    CHECK(r.code == Code::Invalid);
    CHECK(r.message == "token: already used");
    CHECK(f.service.lookup(token).state == http::TokenState::Used);
    CHECK(f.service.lookup(token).device.empty());  // nothing about the device

    std::string guess = token;
    guess[0] = guess[0] == 'A' ? 'B' : 'A';
    r = f.run("tr.confirm", {{"token", guess}});
    CHECK(r.code == Code::NotFound);
    CHECK(f.run("tr.confirm", {{"token", "short"}}).code == Code::NotFound);
    CHECK(f.released == 1);
    auto status = f.run("tr.status").result.as_array().at(0).as_object();
    CHECK(status.at("released") == true);
}

TEST_CASE("tr confirm outside the window keeps the token, after the window it has expired") {
    TrFixture f;
    const auto t0 = f.clock;
    REQUIRE(f.set_window("laptop", t0 + 600, t0 + 1200).code == Code::Ok);
    REQUIRE(f.run("tr.send", {{"device", "laptop"}}).code == Code::Ok);  // before it opens
    const std::string token = f.last_token();
    auto r = f.run("tr.confirm", {{"token", token}});
    CHECK(r.code == Code::Invalid);
    CHECK(r.message == "token: the window has not opened yet");
    CHECK(f.service.lookup(token).refusal == "the window has not opened yet");

    f.clock = t0 + 1200;  // the window's end: the token expires with it
    r = f.run("tr.confirm", {{"token", token}});
    CHECK(r.code == Code::Invalid);
    CHECK(r.message == "token: expired");
    CHECK_FALSE(f.store->tr_settings(f.id("laptop"))->released_until);
}

TEST_CASE("tr confirm in duration mode releases for the duration from that moment") {
    TrFixture f;
    const auto t0 = f.clock;
    REQUIRE(f.run("tr.set", {{"device", "laptop"},
                             {"start", std::to_string(t0 - 10)},
                             {"end", std::to_string(t0 + 600)},
                             {"duration", "2h"}})
                .code == Code::Ok);
    REQUIRE(f.run("tr.send", {{"device", "laptop"}}).code == Code::Ok);
    f.clock = t0 + 100;
    auto v = f.service.port().confirm(f.last_token(), "192.0.2.9");
    CHECK(v.state == http::TokenState::Released);
    CHECK(v.until == t0 + 100 + 7200);
    CHECK(f.store->tr_settings(f.id("laptop"))->released_until == t0 + 7300);
    CHECK(f.store->activity(0, 1).at(0).actor == "web:192.0.2.9");
}

TEST_CASE("a refused attempt mails at most one token per resend interval") {
    TrFixture f;
    const auto t0 = f.clock;
    REQUIRE(f.set_window("laptop", t0, t0 + 3600).code == Code::Ok);
    f.service.attempt_refused(f.id("laptop"));
    f.service.attempt_refused(f.id("laptop"));
    f.clock = t0 + 299;
    f.service.attempt_refused(f.id("laptop"));
    CHECK(f.outbox.size() == 1);
    CHECK(f.outbox[0].body.find("just tried to connect") != std::string::npos);
    f.clock = t0 + 300;
    f.service.attempt_refused(f.id("laptop"));
    CHECK(f.outbox.size() == 2);

    // No address: no mail (a warning in the log), and no exception out of it.
    REQUIRE(f.set_window("mute", t0, t0 + 3600).code == Code::Ok);
    f.service.attempt_refused(f.id("mute"));
    f.service.attempt_refused(f.id("mute") + 1000);  // no such device
    CHECK(f.outbox.size() == 2);
}

TEST_CASE("tr off lifts the restriction and its tokens, without mail, send says why") {
    TrFixture f;
    REQUIRE(f.set_window("laptop", f.clock, f.clock + 3600).code == Code::Ok);
    REQUIRE(f.run("tr.send", {{"device", "laptop"}}).code == Code::Ok);
    const std::string token = f.last_token();
    REQUIRE(f.run("tr.off", {{"device", "laptop"}}).code == Code::Ok);
    CHECK_FALSE(f.store->tr_settings(f.id("laptop")));
    CHECK(f.run("tr.confirm", {{"token", token}}).code == Code::NotFound);
    CHECK(f.run("tr.off", {{"device", "laptop"}}).code == Code::Invalid);
    CHECK(
        f.run("tr.status", {{"device", "laptop"}}).result.as_array().at(0).as_object().at("mode") ==
        "off");
    CHECK(f.run("tr.status").result.as_array().empty());

    tr::TrService no_mail(*f.store, f.daemon_clock, {});
    f.services->tr = &no_mail;
    REQUIRE(f.set_window("laptop", f.clock, f.clock + 3600).code == Code::Ok);
    auto r = f.run("tr.send", {{"device", "laptop"}});
    CHECK(r.code == Code::Invalid);
    CHECK(r.message.find("mail is disabled") != std::string::npos);
}

// mail.test / mail.queue / mail.retry over a real store, with the queue's worker replaced
// by an outbox that only inserts (the worker has its own tests in unit_mail).
#include <catch2/catch.hpp>

#include "control_fixture.hpp"

using namespace warden;
using namespace warden::control;
using warden::control::test::Fixture;

namespace {

struct MailFixture : Fixture {
    int wakes = 0;
    void enable_mail() {
        MailOutbox outbox;
        outbox.enqueue = [this](const std::string& kind, const std::string& to,
                                const std::string& subject, const std::string& body,
                                std::string& error) -> std::optional<std::int64_t> {
            if (to.find('@') == std::string::npos) {
                error = "invalid address: no @";
                return std::nullopt;
            }
            store::QueuedMail m;
            m.kind = kind;
            m.recipient = to;
            m.subject = subject;
            m.body = body;
            m.created_at = m.next_attempt_at = clock;
            store->enqueue_mail(m);
            return m.id;
        };
        outbox.wake = [this] { ++wakes; };
        services->mail = outbox;
    }
};

}  // namespace

TEST_CASE("mail commands: with [mail] disabled each answers why") {
    MailFixture f;
    for (const auto& [command, args] :
         std::vector<std::pair<std::string, json::object>>{{"mail.test", {{"address", "a@b.org"}}},
                                                           {"mail.queue", {}},
                                                           {"mail.retry", {{"all", true}}}}) {
        auto r = f.run(command, args);
        CHECK(r.code == Code::Invalid);
        CHECK(r.message.find("mail is disabled") != std::string::npos);
    }
    CHECK(f.store->list_mail(std::nullopt).empty());
}

TEST_CASE("mail commands: test queues a mail, queue lists it, retry revives it") {
    MailFixture f;
    f.enable_mail();
    auto queued = f.run("mail.test", {{"address", "ops@example.org"}});
    REQUIRE(queued.code == Code::Ok);
    const auto id = queued.result.as_object().at("id").as_int64();
    auto listed = f.run("mail.queue");
    REQUIRE(listed.code == Code::Ok);
    REQUIRE(listed.result.as_array().size() == 1);
    const auto& row = listed.result.as_array()[0].as_object();
    CHECK(row.at("state").as_string() == "pending");
    CHECK(row.at("kind").as_string() == "test");
    CHECK(row.at("to").as_string() == "ops@example.org");
    CHECK(row.at("attempts").as_int64() == 0);

    f.store->mark_mail_failed(id, "status=permanent code=550");
    auto failed = f.run("mail.queue");
    CHECK(failed.result.as_array()[0].as_object().at("state").as_string() == "failed");
    CHECK(failed.result.as_array()[0].as_object().at("last_error").as_string() ==
          "status=permanent code=550");

    auto retried = f.run("mail.retry", {{"id", id}});
    REQUIRE(retried.code == Code::Ok);
    CHECK(retried.result.as_object().at("revived").as_int64() == 1);
    CHECK(f.wakes == 1);
    CHECK(f.store->list_mail(store::MailState::pending).size() == 1);

    f.store->mark_mail_sent(id, f.clock);
    CHECK(f.run("mail.queue").result.as_array().empty());  // sent mail is not listed
}

TEST_CASE("mail commands: bad input and unknown messages are refused") {
    MailFixture f;
    f.enable_mail();
    CHECK(f.run("mail.test", {{"address", "nobody"}}).code == Code::Invalid);
    CHECK(f.run("mail.retry", {}).code == Code::Usage);
    CHECK(f.run("mail.retry", {{"id", 5}, {"all", true}}).code == Code::Usage);
    CHECK(f.run("mail.retry", {{"id", 99}}).code == Code::NotFound);
    auto all = f.run("mail.retry", {{"all", true}});
    CHECK(all.code == Code::Ok);
    CHECK(all.result.as_object().at("revived").as_int64() == 0);
}

TEST_CASE("mail commands: a viewer may list the queue but not send or retry") {
    MailFixture f;
    f.enable_mail();
    Caller viewer{1000, "viewer", true, false};
    auto as_viewer = [&](const std::string& command, json::object args) {
        return f.registry.dispatch(json::object{{"command", command}, {"args", std::move(args)}},
                                   viewer);
    };
    CHECK(as_viewer("mail.queue", {}).code == Code::Ok);
    CHECK(as_viewer("mail.test", {{"address", "a@b.org"}}).code == Code::Denied);
    CHECK(as_viewer("mail.retry", {{"all", true}}).code == Code::Denied);
}

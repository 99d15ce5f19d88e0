// The durable mail queue (issue 10): the pure retry policy, the worker's outcomes with a
// scripted sender, and delivery through the real test SMTP server across a restart.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <ctime>
#include <deque>
#include <mutex>

#include "daemon/mail/mail_queue.hpp"
#include "daemon/mail/retry_policy.hpp"
#include "daemon/store/store.hpp"
#include "test_smtp_server.hpp"

using namespace warden::mail;
using namespace warden::mail::test;
using warden::store::MailState;
using warden::store::QueuedMail;

namespace {

// Polls `done` until it holds or `limit` passes (the worker is another thread).
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        pollfd none{-1, 0, 0};
        ::poll(&none, 0, 10);
    }
    return true;
}

// Two connections to one database, as in wardend: the event loop's and the worker's.
struct Database {
    warden::testing::TempDir dir;
    std::unique_ptr<warden::store::Store> loop = open();
    std::unique_ptr<warden::store::Store> open() const {
        auto r = warden::store::open_sqlite(dir.file("warden.db"));
        REQUIRE(r.error.empty());
        return std::move(r.store);
    }
    std::optional<QueuedMail> row(std::int64_t id) const {
        for (auto& m : loop->list_mail(std::nullopt))
            if (m.id == id) return m;
        return std::nullopt;
    }
};

// A wall clock the test may move forward.
struct TestClock {
    std::atomic<std::int64_t> offset{0};
    WallClock clock() {
        return [this] { return static_cast<std::int64_t>(std::time(nullptr)) + offset.load(); };
    }
};

MailQueueSettings settings_for(SmtpSettings smtp) {
    MailQueueSettings s;
    s.smtp = std::move(smtp);
    s.from = "warden@vpn.example.org";
    s.retry_for = 3600;
    return s;
}

// A sender answering from a script, recording what it was asked to send.
struct ScriptedSender {
    std::mutex mutex;
    std::deque<SendStatus> answers;
    std::vector<std::string> sent_to;
    std::vector<std::string> rendered;
    MailSender sender() {
        return [this](const SmtpSettings&, const std::string&, const std::string& rcpt,
                      const std::string& message) {
            std::lock_guard lock(mutex);
            sent_to.push_back(rcpt);
            rendered.push_back(message);
            SendResult r;
            r.status = answers.empty() ? SendStatus::ok : answers.front();
            if (!answers.empty()) answers.pop_front();
            if (r.status != SendStatus::ok)
                r.smtp_code = r.status == SendStatus::permanent ? 550 : 421;
            return r;
        };
    }
};

}  // namespace

TEST_CASE("mail retry policy: 1 min doubling to 1 h, never past the deadline") {
    CHECK(retry_delay(1) == 60);
    CHECK(retry_delay(2) == 120);
    CHECK(retry_delay(3) == 240);
    CHECK(retry_delay(6) == 1920);
    CHECK(retry_delay(7) == 3600);
    CHECK(retry_delay(1000) == 3600);

    CHECK(decide_after_attempt(SendStatus::ok, 0, 0, 100, 5).action == AfterAttempt::sent);
    CHECK(decide_after_attempt(SendStatus::permanent, 0, 0, 86400, 5).action ==
          AfterAttempt::reject);
    auto first = decide_after_attempt(SendStatus::temporary, 0, 1000, 86400, 1000);
    CHECK(first.action == AfterAttempt::retry);
    CHECK(first.next_attempt_at == 1060);
    auto third = decide_after_attempt(SendStatus::temporary, 2, 1000, 86400, 2000);
    CHECK(third.next_attempt_at == 2240);
    auto near_end = decide_after_attempt(SendStatus::temporary, 5, 1000, 3600, 4500);
    CHECK(near_end.action == AfterAttempt::retry);
    CHECK(near_end.next_attempt_at == 4600);  // created_at + retry_for
    CHECK(decide_after_attempt(SendStatus::temporary, 6, 1000, 3600, 4600).action ==
          AfterAttempt::give_up);
}

TEST_CASE("mail queue: enqueue refuses a bad address and stores nothing") {
    Database db;
    TestClock t;
    ScriptedSender s;
    MailQueue queue(*db.loop, db.open(), settings_for({}), t.clock(), s.sender());
    auto r = queue.enqueue("test", "a@b.org\r\nRCPT TO:<x@evil.test>", "s", "b");
    CHECK_FALSE(r.id);
    CHECK(r.error.find("invalid address") == 0);
    CHECK(db.loop->list_mail(std::nullopt).empty());
}

TEST_CASE("mail queue: the worker sends, delays, gives up and rejects as told") {
    Database db;
    TestClock t;
    ScriptedSender s;
    s.answers = {SendStatus::temporary, SendStatus::ok};
    MailQueue queue(*db.loop, db.open(), settings_for({}), t.clock(), s.sender());
    queue.start();

    const auto id = *queue.enqueue("test", "ops@example.org", "Hello", "Body").id;
    REQUIRE(eventually([&] { return db.row(id)->attempts == 1; }));
    auto delayed = *db.row(id);
    CHECK(delayed.state == MailState::pending);
    CHECK(delayed.last_error.find("status=temporary") != std::string::npos);
    CHECK(delayed.next_attempt_at >= delayed.created_at + 60);

    t.offset = 61;  // the retry is due: a wake makes the worker look again
    queue.wake();
    REQUIRE(eventually([&] { return db.row(id)->state == MailState::sent; }));
    CHECK(db.row(id)->attempts == 2);
    {
        std::lock_guard lock(s.mutex);
        REQUIRE(s.rendered.size() == 2);
        CHECK(s.rendered[0] == s.rendered[1]);  // same Date and Message-ID on the retry
    }

    s.answers = {SendStatus::permanent};
    const auto bad = *queue.enqueue("test", "nobody@example.org", "x", "y").id;
    REQUIRE(eventually([&] { return db.row(bad)->state == MailState::failed; }));
    CHECK(db.row(bad)->last_error.find("code=550") != std::string::npos);

    s.answers = {SendStatus::temporary, SendStatus::temporary};
    const auto late = *queue.enqueue("test", "late@example.org", "x", "y").id;
    REQUIRE(eventually([&] { return db.row(late)->attempts == 1; }));
    t.offset = 61 + 3600;  // past created_at + retry_for
    queue.wake();
    REQUIRE(eventually([&] { return db.row(late)->state == MailState::failed; }));
    CHECK(db.row(late)->attempts == 2);

    const auto started = std::chrono::steady_clock::now();
    queue.stop();
    CHECK(std::chrono::steady_clock::now() - started < 2s);
}

TEST_CASE(
    "mail queue: delivers through SMTP, keeps mail while the server is down, "
    "sends it after a restart") {
    Database db;
    TestClock t;
    std::int64_t id = 0;
    {
        ClosedPort down;  // connection refused: a temporary failure
        SmtpSettings smtp;
        smtp.host = "127.0.0.1";
        smtp.port = down.port();
        smtp.security = SmtpSecurity::none;
        smtp.timeout = 5s;
        MailQueue queue(*db.loop, db.open(), settings_for(smtp), t.clock());
        queue.start();
        id = *queue.enqueue("test", "ops@example.org", "Queued while down", "Hello\n").id;
        REQUIRE(eventually([&] { return db.row(id)->attempts == 1; }));
        CHECK(db.row(id)->state == MailState::pending);
        CHECK_FALSE(db.row(id)->last_error.empty());
    }  // wardend stops: the message stays in the database

    TestSmtpServer server;
    if (!server.skip().empty()) {
        WARN(server.skip());
        return;
    }
    t.offset = 120;  // its retry is due
    MailQueue restarted(*db.loop, db.open(), settings_for(server.settings()), t.clock());
    restarted.start();
    REQUIRE(eventually([&] { return db.row(id)->state == MailState::sent; }));
    CHECK(db.row(id)->attempts == 2);
    const auto mails = server.received();
    REQUIRE(mails.size() == 1);
    CHECK(mails[0].find("Subject: Queued while down") != std::string::npos);
    CHECK(mails[0].find("ops@example.org") != std::string::npos);
}

TEST_CASE("mail queue: stop abandons an SMTP transaction under way") {
    Database db;
    TestClock t;
    ClosedPort silent(true);  // accepts the connection, never greets
    SmtpSettings smtp;
    smtp.host = "127.0.0.1";
    smtp.port = silent.port();
    smtp.security = SmtpSecurity::none;
    smtp.timeout = 30s;
    std::atomic<bool> sending{false};
    MailQueue queue(*db.loop, db.open(), settings_for(smtp), t.clock(),
                    [&](const SmtpSettings& s, const std::string& from, const std::string& to,
                        const std::string& message) {
                        sending = true;
                        return send_mail(s, from, to, message);
                    });
    queue.start();
    const auto id = *queue.enqueue("test", "ops@example.org", "s", "b").id;
    REQUIRE(eventually([&] { return sending.load(); }));
    const auto started = std::chrono::steady_clock::now();
    queue.stop();
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(db.row(id)->state == MailState::pending);
}

TEST_CASE("mail password file: must exist and be closed to others") {
    warden::testing::TempDir dir;
    const auto path = dir.file("smtp.pass");
    std::string error;
    CHECK_FALSE(read_password_file(path, error));
    CHECK(error.find("cannot stat") != std::string::npos);
    { std::ofstream(path) << "s3cret\n"; }
    ::chmod(path.c_str(), 0644);
    CHECK_FALSE(read_password_file(path, error));
    CHECK(error.find("accessible to others") != std::string::npos);
    CHECK(error.find("s3cret") == std::string::npos);
    ::chmod(path.c_str(), 0640);
    auto password = read_password_file(path, error);
    REQUIRE(password);
    CHECK(*password == "s3cret");
}

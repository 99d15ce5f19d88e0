// Store contract, mail queue part (schema 008): enqueue, due order and limit, the three
// outcomes of an attempt, listing by state and reviving failed messages.
#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::TempDir;

namespace {

QueuedMail mail(const std::string& to, std::int64_t created, std::int64_t due) {
    QueuedMail m;
    m.created_at = created;
    m.recipient = to;
    m.subject = "Subject " + to;
    m.body = "Body\nline 2";
    m.kind = "test";
    m.next_attempt_at = due;
    return m;
}

}  // namespace

TEST_CASE("store: mail is enqueued pending and read back whole", "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK(store->schema_version() >= 8);
    auto m = mail("a@example.org", 100, 100);
    store->enqueue_mail(m);
    CHECK(m.id > 0);
    auto rows = store->list_mail(std::nullopt);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].id == m.id);
    CHECK(rows[0].recipient == "a@example.org");
    CHECK(rows[0].subject == "Subject a@example.org");
    CHECK(rows[0].body == "Body\nline 2");
    CHECK(rows[0].kind == "test");
    CHECK(rows[0].attempts == 0);
    CHECK(rows[0].state == MailState::pending);
    CHECK_FALSE(rows[0].sent_at);
    CHECK(store->next_mail_attempt() == std::optional<std::int64_t>(100));
}

TEST_CASE("store: due mail is pending, due by now, oldest due first, limited", "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto late = mail("late@example.org", 1, 300);
    auto early = mail("early@example.org", 2, 200);
    auto future = mail("future@example.org", 3, 900);
    store->enqueue_mail(late);
    store->enqueue_mail(early);
    store->enqueue_mail(future);
    auto due = store->due_mail(500, 10);
    REQUIRE(due.size() == 2);
    CHECK(due[0].id == early.id);
    CHECK(due[1].id == late.id);
    CHECK(store->due_mail(500, 1).size() == 1);
    CHECK(store->due_mail(199, 10).empty());
    CHECK(store->next_mail_attempt() == std::optional<std::int64_t>(200));
}

TEST_CASE("store: sent, retry and failed each count an attempt and leave the due list",
          "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = mail("a@example.org", 1, 1);
    auto b = mail("b@example.org", 1, 1);
    auto c = mail("c@example.org", 1, 1);
    store->enqueue_mail(a);
    store->enqueue_mail(b);
    store->enqueue_mail(c);
    store->mark_mail_sent(a.id, 50);
    store->mark_mail_retry(b.id, 160, "status=temporary code=421");
    store->mark_mail_failed(c.id, "status=permanent code=550");

    auto due = store->due_mail(100, 10);
    CHECK(due.empty());
    CHECK(store->next_mail_attempt() == std::optional<std::int64_t>(160));

    auto sent = store->list_mail(MailState::sent);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].id == a.id);
    CHECK(sent[0].sent_at == std::optional<std::int64_t>(50));
    CHECK(sent[0].attempts == 1);

    auto pending = store->list_mail(MailState::pending);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].attempts == 1);
    CHECK(pending[0].next_attempt_at == 160);
    CHECK(pending[0].last_error == "status=temporary code=421");

    auto failed = store->list_mail(MailState::failed);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].id == c.id);
    CHECK(failed[0].last_error == "status=permanent code=550");
}

TEST_CASE("store: retry_failed_mail revives one or all failed messages, nothing else",
          "[pg-todo]") {
    TempDir dir;
    auto store = open_fresh(dir);
    auto a = mail("a@example.org", 1, 1);
    auto b = mail("b@example.org", 1, 1);
    auto sent = mail("s@example.org", 1, 1);
    store->enqueue_mail(a);
    store->enqueue_mail(b);
    store->enqueue_mail(sent);
    store->mark_mail_failed(a.id, "x");
    store->mark_mail_failed(b.id, "y");
    store->mark_mail_sent(sent.id, 5);

    CHECK(store->retry_failed_mail(sent.id, 70) == 0);  // not failed
    CHECK(store->retry_failed_mail(999, 70) == 0);      // no such message
    CHECK(store->retry_failed_mail(a.id, 70) == 1);
    auto due = store->due_mail(70, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id == a.id);
    CHECK(store->retry_failed_mail(std::nullopt, 80) == 1);  // only b was still failed
    CHECK(store->list_mail(MailState::failed).empty());
    CHECK(store->list_mail(MailState::pending).size() == 2);
}

TEST_CASE("store: queued mail survives closing and reopening the database", "[pg-todo]") {
    TempDir dir;
    std::int64_t id = 0;
    {
        auto store = open_fresh(dir);
        auto m = mail("a@example.org", 1, 1);
        store->enqueue_mail(m);
        id = m.id;
    }
    auto store = open_fresh(dir);
    auto due = store->due_mail(10, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id == id);
}

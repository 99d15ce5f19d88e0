// Store contract, time-restricted access part (schema 009): settings put, replaced and
// deleted, releases and their noted end, tokens found by hash and used once, and that
// all of it goes with the device (FK cascade).
#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "store_fixture.hpp"

using namespace warden::store;

namespace {

struct Opened {
    warden::testing::TempDir dir;
    std::unique_ptr<Store> store;
    std::int64_t id = 0;
    Opened() {
        auto r = warden::store::test::open_at(dir);
        REQUIRE(r.error.empty());
        store = std::move(r.store);
        Device d;
        d.name = "alpha";
        d.vpn_ip = 0x0a080002;
        REQUIRE(store->add_device(d).ok());
        id = d.id;
    }
    TrSettings window(std::int64_t start, std::int64_t end) const {
        TrSettings t;
        t.device_id = id;
        t.mode = TrMode::Window;
        t.start = start;
        t.end = end;
        return t;
    }
    TrToken token(const std::string& hash, std::int64_t expires) const {
        TrToken t;
        t.token_hash = hash;
        t.device_id = id;
        t.created_at = 100;
        t.expires_at = expires;
        return t;
    }
};

}  // namespace

TEST_CASE("store: TR settings are put, read back whole, listed and deleted") {
    Opened o;
    CHECK(o.store->schema_version() >= 9);
    CHECK_FALSE(o.store->tr_settings(o.id));
    TrSettings d;
    d.device_id = o.id;
    d.mode = TrMode::Duration;
    d.start = 1000;
    d.end = 5000;
    d.duration = 7200;
    REQUIRE(o.store->put_tr_settings(d).ok());
    auto read = o.store->tr_settings(o.id);
    REQUIRE(read);
    CHECK(read->mode == TrMode::Duration);
    CHECK(read->start == 1000);
    CHECK(read->end == 5000);
    CHECK(read->duration == 7200);
    CHECK_FALSE(read->released_until);
    CHECK_FALSE(read->release_noted);
    CHECK_FALSE(read->last_token_sent_at);
    CHECK(o.store->all_tr_settings().size() == 1);
    CHECK(o.store->delete_tr_settings(o.id));
    CHECK_FALSE(o.store->tr_settings(o.id));
    CHECK_FALSE(o.store->delete_tr_settings(o.id));
}

TEST_CASE("store: TR settings of an unknown device are NotFound") {
    Opened o;
    auto t = o.window(1, 2);
    t.device_id = o.id + 99;
    CHECK(o.store->put_tr_settings(t).status == Status::NotFound);
}

TEST_CASE("store: a release is set, noted, set again, new settings withdraw it") {
    Opened o;
    REQUIRE(o.store->put_tr_settings(o.window(1000, 5000)).ok());
    o.store->set_tr_release(o.id, 5000);
    o.store->set_tr_token_sent(o.id, 1200);
    auto t = o.store->tr_settings(o.id);
    CHECK(t->released_until == std::optional<std::int64_t>(5000));
    CHECK(t->last_token_sent_at == std::optional<std::int64_t>(1200));
    o.store->note_tr_release_end(o.id);
    CHECK(o.store->tr_settings(o.id)->release_noted);
    o.store->set_tr_release(o.id, 6000);
    CHECK_FALSE(o.store->tr_settings(o.id)->release_noted);

    auto tok = o.token("aa", 5000);
    o.store->add_tr_token(tok);
    REQUIRE(o.store->put_tr_settings(o.window(2000, 9000)).ok());
    t = o.store->tr_settings(o.id);
    CHECK(t->start == 2000);
    CHECK_FALSE(t->released_until);
    CHECK_FALSE(t->last_token_sent_at);
    CHECK_FALSE(o.store->find_tr_token("aa"));  // tokens were for the old window
}

TEST_CASE("store: a TR token is found by its hash and used once, not after expiry") {
    Opened o;
    REQUIRE(o.store->put_tr_settings(o.window(1000, 5000)).ok());
    auto a = o.token("hash-a", 5000);
    auto b = o.token("hash-b", 300);
    o.store->add_tr_token(a);
    o.store->add_tr_token(b);
    CHECK(a.id > 0);
    auto found = o.store->find_tr_token("hash-a");
    REQUIRE(found);
    CHECK(found->id == a.id);
    CHECK(found->device_id == o.id);
    CHECK(found->expires_at == 5000);
    CHECK_FALSE(found->used_at);
    CHECK_FALSE(o.store->find_tr_token("hash-c"));

    CHECK(o.store->use_tr_token(a.id, 1500));
    CHECK_FALSE(o.store->use_tr_token(a.id, 1501));  // single use
    CHECK(o.store->find_tr_token("hash-a")->used_at == std::optional<std::int64_t>(1500));
    CHECK_FALSE(o.store->use_tr_token(b.id, 300));  // expired at its expires_at
    CHECK(o.store->tr_tokens(o.id).size() == 2);
    CHECK(o.store->tr_tokens(o.id).front().id == b.id);  // newest first
}

TEST_CASE("store: deleting a device deletes its TR settings and tokens") {
    Opened o;
    REQUIRE(o.store->put_tr_settings(o.window(1000, 5000)).ok());
    auto tok = o.token("h", 5000);
    o.store->add_tr_token(tok);
    REQUIRE(o.store->delete_device("alpha", 2000).ok());
    CHECK(o.store->all_tr_settings().empty());
    CHECK_FALSE(o.store->find_tr_token("h"));
}

TEST_CASE("store: a certificate binding carries the TR gate of a restricted device") {
    Opened o;
    Certificate c;
    c.serial = "0a";
    c.device_id = o.id;
    c.common_name = "alpha";
    c.fingerprint = "f";
    c.not_before = 0;
    c.not_after = 1LL << 40;
    c.cert_pem = "pem";
    REQUIRE(o.store->add_certificate(c).ok());
    CHECK_FALSE(o.store->find_by_serial("0a")->time_restriction);
    REQUIRE(o.store->put_tr_settings(o.window(1000, 5000)).ok());
    auto gate = o.store->find_by_serial("0a")->time_restriction;
    REQUIRE(gate);
    CHECK_FALSE(gate->released_until);
    o.store->set_tr_release(o.id, 5000);
    CHECK(o.store->find_by_serial("0a")->time_restriction->released_until ==
          std::optional<std::int64_t>(5000));
}

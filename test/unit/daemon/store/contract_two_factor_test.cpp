// Store contract, two-factor part (schema 004): TOTP rows, the replay guard, login
// state, group rule, one-time codes, token sessions; and that they go with the device.
#include <catch2/catch.hpp>

#include <algorithm>

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
        id = add("alpha", 0x0a080002);
    }
    std::int64_t add(const std::string& name, std::uint32_t ip) {
        Device d;
        d.name = name;
        d.vpn_ip = ip;
        REQUIRE(store->add_device(d).ok());
        return d.id;
    }
};

}  // namespace

TEST_CASE("store: TOTP rows are put, found, replaced and deleted") {
    Opened o;
    CHECK_FALSE(o.store->find_totp(o.id));
    Totp t;
    t.device_id = o.id;
    t.secret = "ABC";
    t.created_at = 5;
    o.store->put_totp(t);
    auto got = o.store->find_totp(o.id);
    REQUIRE(got);
    CHECK(got->secret == "ABC");
    CHECK_FALSE(got->confirmed_at);
    CHECK_FALSE(got->enforced);
    t.confirmed_at = 9;
    t.enforced = true;
    t.last_step = 100;
    o.store->put_totp(t);
    got = o.store->find_totp(o.id);
    CHECK(got->confirmed_at == 9);
    CHECK(got->enforced);
    CHECK(got->last_step == 100);
    CHECK(o.store->login_requirements(o.id).totp_enforced);
    CHECK(o.store->delete_totp(o.id));
    CHECK_FALSE(o.store->delete_totp(o.id));
    CHECK_FALSE(o.store->login_requirements(o.id).totp_enforced);
}

TEST_CASE("store: the TOTP step only moves forward (replay guard)") {
    Opened o;
    Totp t;
    t.device_id = o.id;
    t.secret = "ABC";
    o.store->put_totp(t);
    CHECK(o.store->advance_totp_step(o.id, 10));
    CHECK_FALSE(o.store->advance_totp_step(o.id, 10));
    CHECK_FALSE(o.store->advance_totp_step(o.id, 9));
    CHECK(o.store->advance_totp_step(o.id, 11));
    CHECK(o.store->find_totp(o.id)->last_step == 11);
    CHECK_FALSE(o.store->advance_totp_step(o.id + 99, 12));  // no such row
}

TEST_CASE("store: login state defaults, password and failures are independent") {
    Opened o;
    auto s = o.store->login_state(o.id);
    CHECK((s.password_hash.empty() && s.failures == 0 && s.locked_until == 0));
    o.store->set_login_failures(o.id, 3, 0, 0);
    o.store->set_password_hash(o.id, "$y$hash");
    s = o.store->login_state(o.id);
    CHECK((s.password_hash == "$y$hash" && s.failures == 3));
    o.store->set_login_failures(o.id, 0, 777, 2);
    s = o.store->login_state(o.id);
    CHECK((s.password_hash == "$y$hash" && s.failures == 0 && s.locked_until == 777 &&
           s.lock_level == 2));
    CHECK(o.store->login_requirements(o.id).password);
    o.store->set_password_hash(o.id, "");
    CHECK_FALSE(o.store->login_requirements(o.id).password);
}

TEST_CASE("store: a group can require TOTP") {
    Opened o;
    CHECK(o.store->group_requires_totp("default") == false);
    CHECK_FALSE(o.store->group_requires_totp("nope"));
    CHECK(o.store->set_group_requires_totp("default", true).ok());
    CHECK(o.store->group_requires_totp("default") == true);
    CHECK(o.store->login_requirements(o.id).group_requires_totp);
    CHECK(o.store->set_group_requires_totp("nope", true).status == Status::NotFound);
}

TEST_CASE("store: one-time codes are listed, used once before expiry, deleted") {
    Opened o;
    const auto beta = o.add("beta", 0x0a080003);
    OneTimeCode a{0, o.id, "", "h1", 100, 200, std::nullopt};
    OneTimeCode b{0, beta, "", "h2", 100, 200, std::nullopt};
    o.store->add_one_time_code(a);
    o.store->add_one_time_code(b);
    CHECK(a.id > 0);
    CHECK(b.id > a.id);
    auto all = o.store->one_time_codes(std::nullopt);
    REQUIRE(all.size() == 2);
    CHECK(all[0].id == b.id);  // newest first
    CHECK(all[0].device_name == "beta");
    auto mine = o.store->one_time_codes(o.id);
    REQUIRE(mine.size() == 1);
    CHECK(mine[0].code_hash == "h1");
    CHECK_FALSE(o.store->use_one_time_code(a.id, 200));  // expired at 200
    CHECK(o.store->use_one_time_code(a.id, 199));
    CHECK_FALSE(o.store->use_one_time_code(a.id, 199));  // once
    CHECK(o.store->one_time_codes(o.id)[0].used_at == 199);
    CHECK(o.store->delete_one_time_code(b.id).ok());
    CHECK(o.store->delete_one_time_code(b.id).status == Status::NotFound);
}

TEST_CASE("store: token sessions bind a session id to a device and expire") {
    Opened o;
    o.store->add_token_session("S1", o.id, 100, 0);
    CHECK(o.store->token_session_device("S1") == o.id);
    CHECK_FALSE(o.store->token_session_device("S2"));
    o.store->add_token_session("S2", o.id, 500, 101);  // drops rows verified before 101
    CHECK_FALSE(o.store->token_session_device("S1"));
    CHECK(o.store->token_session_device("S2") == o.id);
    o.store->drop_token_sessions(o.id);
    CHECK_FALSE(o.store->token_session_device("S2"));
}

TEST_CASE("store: two-factor rows go with their device") {
    Opened o;
    Totp t;
    t.device_id = o.id;
    t.secret = "ABC";
    o.store->put_totp(t);
    o.store->set_password_hash(o.id, "$y$x");
    OneTimeCode c{0, o.id, "", "h", 1, 2, std::nullopt};
    o.store->add_one_time_code(c);
    o.store->add_token_session("S1", o.id, 1, 0);
    REQUIRE(o.store->delete_device("alpha", 10).ok());
    CHECK_FALSE(o.store->find_totp(o.id));
    CHECK(o.store->login_state(o.id).password_hash.empty());
    CHECK(o.store->one_time_codes(std::nullopt).empty());
    CHECK_FALSE(o.store->token_session_device("S1"));
}

TEST_CASE("store: all_login_requirements lists exactly the devices that need something") {
    Opened o;
    const auto beta = o.add("beta", 0x0a080003);
    const auto gamma = o.add("gamma", 0x0a080004);
    CHECK(o.store->all_login_requirements().empty());
    Totp t;
    t.device_id = o.id;
    t.secret = "ABC";
    t.enforced = true;
    o.store->put_totp(t);
    o.store->set_password_hash(beta, "$y$x");
    auto all = o.store->all_login_requirements();
    REQUIRE(all.size() == 2);
    for (const auto& [id, r] : all) {
        CHECK(r.totp_enforced == o.store->login_requirements(id).totp_enforced);
        CHECK(r.password == o.store->login_requirements(id).password);
    }
    REQUIRE(o.store->set_group_requires_totp("default", true).ok());
    all = o.store->all_login_requirements();
    CHECK(all.size() == 3);
    for (const auto& [id, r] : all) CHECK(r.group_requires_totp);
    CHECK(std::any_of(all.begin(), all.end(), [&](const auto& p) { return p.first == gamma; }));
}

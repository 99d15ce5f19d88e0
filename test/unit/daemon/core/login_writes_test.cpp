// LoginService in the daemon's mode (write_logins_after_reply): a verdict does not wait
// for its writes; the replay guard in memory refuses a used code at once; after_replies()
// writes everything; the crash rule after a start; static passwords through the cache.
#include <catch2/catch.hpp>

#include "daemon/core/auth_service.hpp"
#include "daemon/core/secrets.hpp"
#include "daemon/core/totp.hpp"
#include "plugin_answer.hpp"
#include "store_rows.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

const std::string kSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    core::SessionTable table;
    std::int64_t start = 1700000010;
    std::int64_t now = start;
    core::Clock clock{[this] { return now; }};
    core::AuthService auth{*store, table, {*net::parse_network("10.8.0.0/24"), 0x0a080001}, clock};
    std::int64_t laptop = 0, desk = 0;

    // `confirmed_at`: when the laptop's TOTP was confirmed (before the start: the crash
    // rule applies to it).
    explicit Fixture(std::int64_t confirmed_at = 1700000010 + 1, bool shared_store = false) {
        laptop = add("laptop", "aa01", 0x0a080007);
        desk = add("desk", "bb02", 0x0a080008);
        store::Totp t;
        t.device_id = laptop;
        t.secret = kSecret;
        t.confirmed_at = confirmed_at;
        t.enforced = true;
        store->put_totp(t);
        auth.write_logins_after_reply(start, shared_store);
    }

    std::int64_t add(const std::string& name, const std::string& serial, std::uint32_t ip) {
        return testing::add_device_with_cert(*store, name, serial, ip);
    }

    std::string login(const std::string& name, const std::string& serial,
                      const std::string& password, const std::string& session = "S1") {
        wire::Message m(wire::Type::Auth, 11);
        m.set("tls_serial_hex_0", serial).set("untrusted_ip", "192.0.2.5");
        m.set("untrusted_port", "4000").set("username", name).set("password", password);
        m.set("session_state", "Initial").set("session_id", session);
        return std::string(*testing::handle(auth, m, "main")->get("result"));
    }
    std::string code() const { return *core::totp::code_at(kSecret, now); }
    std::int64_t stored_step() { return store->find_totp(laptop)->last_step; }
};

}  // namespace

TEST_CASE("login writes: the verdict does not wait for them, after_replies() writes them") {
    Fixture f;
    f.now += 100;
    const std::string code = f.code();
    CHECK(f.login("laptop", "aa01", code) == "allow");
    // Nothing written yet: the reply went first.
    CHECK(f.stored_step() == 0);
    CHECK_FALSE(f.store->token_session_device("S1"));
    f.auth.after_replies();
    CHECK(f.stored_step() == core::totp::step_of(f.now));
    CHECK(f.store->token_session_device("S1") == f.laptop);
}

// Several nodes on one database: another node reads the step from the store, so it must
// be there before the verdict (a step kept in this node's memory would let the other
// node accept the same code).
TEST_CASE("login writes: on a shared store the TOTP step is stored before the verdict") {
    Fixture f(1700000010 + 1, /*shared_store=*/true);
    f.now += 100;
    const std::string code = f.code();
    CHECK(f.login("laptop", "aa01", code, "S1") == "allow");
    CHECK(f.stored_step() == core::totp::step_of(f.now));
    CHECK(f.login("laptop", "aa01", code, "S2") == "deny");  // replay, here too
    f.auth.after_replies();
    CHECK(f.store->token_session_device("S1") == f.laptop);
}

TEST_CASE("login writes: a used code is refused at once, its write still pending") {
    Fixture f;
    f.now += 100;
    const std::string code = f.code();
    CHECK(f.login("laptop", "aa01", code, "S1") == "allow");
    CHECK(f.login("laptop", "aa01", code, "S2") == "deny");  // replay
    f.auth.after_replies();
    CHECK(f.store->login_state(f.laptop).failures == 1);
    CHECK_FALSE(f.store->token_session_device("S2"));
    const auto entries = f.store->activity(0, 1);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].details == "code: already used");
}

TEST_CASE("login writes: failures count and lock without waiting for the writes") {
    Fixture f;
    f.now += 100;
    const std::string wrong = f.code() == "000000" ? "111111" : "000000";
    for (int i = 0; i < 5; ++i) CHECK(f.login("laptop", "aa01", wrong) == "deny");
    CHECK(f.login("laptop", "aa01", f.code()) == "deny");  // locked
    f.auth.after_replies();
    CHECK(f.store->login_state(f.laptop).locked_until == f.now + 300);
}

TEST_CASE(
    "login writes: after a start, a code of the start's step or the next is refused for "
    "90 s") {
    Fixture f(1);  // confirmed long before the start: it may have logged in just before
    const std::string at_start = f.code();
    CHECK(f.login("laptop", "aa01", at_start) == "deny");
    f.now = f.start + 30;
    CHECK(f.login("laptop", "aa01", f.code()) == "deny");
    f.now = f.start + 90;
    CHECK(f.login("laptop", "aa01", f.code()) == "allow");
    f.auth.after_replies();
    CHECK(f.stored_step() == core::totp::step_of(f.now));
}

TEST_CASE("login writes: a device confirmed after the start logs in at once") {
    Fixture f;  // confirmed 1 s after the start
    f.now = f.start + 2;
    CHECK(f.login("laptop", "aa01", f.code()) == "allow");
}

TEST_CASE("login writes: a static password verifies, a changed one refuses the old at once") {
    Fixture f;
    f.store->set_password_hash(f.desk, core::secrets::hash_password("pw-one"));
    CHECK(f.login("desk", "bb02", "pw-one", "D1") == "allow");
    CHECK(f.login("desk", "bb02", "pw-one", "D2") == "allow");  // from the cache
    CHECK(f.login("desk", "bb02", "pw-two", "D3") == "deny");
    f.store->set_password_hash(f.desk, core::secrets::hash_password("pw-two"));
    CHECK(f.login("desk", "bb02", "pw-one", "D4") == "deny");
    CHECK(f.login("desk", "bb02", "pw-two", "D5") == "allow");
}

// LoginService through AuthService against a real store: what AUTH checks, what CONNECT
// requires, what is written back (replay guard, lock, token sessions, activity log).
#include <catch2/catch.hpp>

#include "daemon/core/auth_service.hpp"
#include "daemon/core/totp.hpp"
#include "plugin_answer.hpp"
#include "store_rows.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using warden::testing::handle;

namespace {

const std::string kSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Fixture {
    testing::TempDir dir;
    std::unique_ptr<store::Store> store = std::move(store::open_sqlite(dir.file("w.db")).store);
    core::SessionTable table;
    std::int64_t now = 1700000000;
    core::Clock clock{[this] { return now; }};
    core::AuthService auth{*store, table, {*net::parse_network("10.8.0.0/24"), 0x0a080001}, clock};
    std::int64_t device_id = 0;

    Fixture() {
        device_id = add("laptop", "aa01", 0x0a080007);
        add("plain", "bb02", 0x0a080008);
        store::Totp t;
        t.device_id = device_id;
        t.secret = kSecret;
        t.confirmed_at = 1;
        t.enforced = true;
        store->put_totp(t);
    }

    std::int64_t add(const std::string& name, const std::string& serial, std::uint32_t ip) {
        return testing::add_device_with_cert(*store, name, serial, ip);
    }

    wire::Message request(wire::Type type, const std::string& serial, const std::string& port) {
        wire::Message m(type, 11);
        m.set("tls_serial_hex_0", serial).set("untrusted_ip", "192.0.2.5");
        m.set("untrusted_port", port);
        return m;
    }
    std::string verdict(wire::Message m) {
        return std::string(*handle(auth, m, "main")->get("result"));
    }
    std::string auth_with(const std::string& password, const std::string& state = "Initial",
                          const std::string& session = "S1", const std::string& port = "4000") {
        auto m = request(wire::Type::Auth, "aa01", port);
        m.set("username", "laptop").set("password", password);
        m.set("session_state", state).set("session_id", session);
        return verdict(m);
    }
    std::string connect(const std::string& serial = "aa01", const std::string& port = "4000") {
        return verdict(request(wire::Type::Connect, serial, port));
    }
    std::string code() const { return *core::totp::code_at(kSecret, now); }
    std::vector<std::string> actions() {
        std::vector<std::string> out;
        for (const auto& e : store->activity(0, 100)) out.insert(out.begin(), e.action);
        return out;
    }
};

}  // namespace

TEST_CASE("login service: CONNECT of a TOTP device needs an AUTH that checked its code") {
    Fixture f;
    CHECK(f.connect() == "deny");  // certificate-only attempt
    auto reply = handle(f.auth, f.request(wire::Type::Connect, "aa01", "4000"), "main");
    CHECK(reply->get("reason") == "credentials required: username = device name, password = code");
    CHECK(f.auth_with(f.code()) == "allow");
    CHECK(f.connect("aa01", "4001") == "deny");  // another connection
    CHECK(f.connect() == "allow");
    CHECK(f.connect() == "deny");  // consumed
    // Devices without credentials connect on their certificate alone.
    CHECK(f.connect("bb02", "5000") == "allow");
}

TEST_CASE("login service: the replay guard and failures are persisted") {
    Fixture f;
    const std::string code = f.code();
    CHECK(f.auth_with(code) == "allow");
    CHECK(f.store->find_totp(f.device_id)->last_step == core::totp::step_of(f.now));
    f.now += 10;
    CHECK(f.auth_with(code) == "deny");  // replay, still inside the window
    CHECK(f.store->login_state(f.device_id).failures == 1);
    REQUIRE_FALSE(f.actions().empty());
    CHECK(f.actions().back() == "login.failed");
    const auto entries = f.store->activity(0, 1);
    CHECK(entries[0].actor == "wardend");
    CHECK(entries[0].details == "code: already used");
}

TEST_CASE("login service: five failures lock, the lock ends by the clock") {
    Fixture f;
    for (int i = 0; i < 5; ++i)
        CHECK(f.auth_with("000000" == f.code() ? "111111" : "000000") == "deny");
    CHECK(f.store->login_state(f.device_id).locked_until == f.now + 300);
    REQUIRE_FALSE(f.actions().empty());
    CHECK(f.actions().back() == "login.locked");
    // The metrics' counters: five failures, one lock.
    CHECK(f.auth.login_counts().failures == 5);
    CHECK(f.auth.login_counts().locks == 1);
    f.now += 299;
    CHECK(f.auth_with(f.code()) == "deny");
    CHECK(f.auth.login_counts().failures == 5);  // refused while locked: no new failure
    f.now += 1;
    CHECK(f.auth_with(f.code()) == "allow");
    CHECK(f.store->login_state(f.device_id).locked_until == 0);
    const auto acts = f.actions();
    CHECK(std::find(acts.begin(), acts.end(), "login.unlocked") != acts.end());
}

TEST_CASE("login service: a verified session's token renegotiates without a code") {
    Fixture f;
    CHECK(f.auth_with(f.code(), "Initial", "S1") == "allow");
    CHECK(f.store->token_session_device("S1") == f.device_id);
    const auto before = f.store->activity(0, 100).size();
    f.now += 3600;
    CHECK(f.auth_with("SESS_ID_x", "Authenticated", "S1") == "allow");
    CHECK(f.store->activity(0, 100).size() == before);  // nothing to record
    CHECK(f.auth_with("SESS_ID_x", "Authenticated", "S2") == "deny");
    CHECK(f.auth_with("SESS_ID_x", "Expired", "S1") == "deny");
    // Changing the factor ends the verified sessions.
    f.store->drop_token_sessions(f.device_id);
    CHECK(f.auth_with("SESS_ID_x", "Authenticated", "S1") == "deny");
}

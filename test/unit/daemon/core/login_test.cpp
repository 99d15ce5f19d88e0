// evaluate_login(): the pure login decision, with the clock as a parameter.
#include <catch2/catch.hpp>

#include "daemon/core/login.hpp"
#include "daemon/core/secrets.hpp"
#include "daemon/core/totp.hpp"

using namespace warden;
using namespace warden::core;

namespace {

const std::string kSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
constexpr std::int64_t kNow = 1700000000;

store::Device laptop() {
    store::Device d;
    d.id = 7;
    d.name = "laptop";
    d.type = store::DeviceType::Pc;
    return d;
}

LoginFacts with_totp() {
    LoginFacts f;
    store::Totp t;
    t.device_id = 7;
    t.secret = kSecret;
    t.confirmed_at = 1;
    t.enforced = true;
    f.totp = t;
    return f;
}

std::string code(std::int64_t t = kNow) {
    return *totp::code_at(kSecret, t);
}

LoginOutcome login(const LoginFacts& f, const std::string& password, std::int64_t now = kNow,
                   std::string_view state = "Initial", std::string_view user = "laptop") {
    return evaluate_login(laptop(), f, {user, password, state}, LoginPolicy{}, now);
}

}  // namespace

TEST_CASE("login: devices without TOTP, password or group rule need nothing") {
    LoginFacts f;
    CHECK_FALSE(needs_credentials(laptop(), f));
    auto o = login(f, "");
    CHECK(o.allow);
    CHECK(o.method == "none");
    // A pending (unconfirmed) secret is not enforced.
    f = with_totp();
    f.totp->confirmed_at.reset();
    f.totp->enforced = false;
    CHECK_FALSE(needs_credentials(laptop(), f));
    // A group rule applies to pcs, not routers.
    LoginFacts g;
    g.group_requires_totp = true;
    CHECK(needs_credentials(laptop(), g));
    store::Device router = laptop();
    router.type = store::DeviceType::Router;
    CHECK_FALSE(needs_credentials(router, g));
    CHECK(needs_credentials(laptop(), store::LoginRequirements{false, false, true}));
    CHECK_FALSE(needs_credentials(router, store::LoginRequirements{false, false, true}));
}

TEST_CASE("login: the current TOTP code is accepted once and its step recorded") {
    auto f = with_totp();
    auto o = login(f, code());
    REQUIRE(o.allow);
    CHECK(o.method == "totp");
    CHECK(o.totp_step == totp::step_of(kNow));
    CHECK(o.remember_session);
    CHECK_FALSE(o.failures);  // nothing to reset
    // Replay: the store now says that step was used.
    f.totp->last_step = *o.totp_step;
    auto replay = login(f, code(), kNow + 5);
    CHECK_FALSE(replay.allow);
    CHECK(replay.detail == "code: already used");
    CHECK(replay.event == LoginEvent::Failure);
    // An older code (previous step, still in the window) is refused too.
    CHECK_FALSE(login(f, code(kNow - 30), kNow + 5).allow);
    // The next step's code works.
    CHECK(login(f, code(kNow + 30), kNow + 30).allow);
}

TEST_CASE("login: wrong code, wrong username and garbage count as failures") {
    auto f = with_totp();
    const std::string wrong = code() == "000000" ? "111111" : "000000";
    for (auto o : {login(f, wrong), login(f, code(), kNow, "Initial", "other"), login(f, "SCRV1:x"),
                   login(f, "")}) {
        CHECK_FALSE(o.allow);
        CHECK(o.reason == "login failed");  // the client learns nothing more
        CHECK(o.event == LoginEvent::Failure);
        REQUIRE(o.failures);
        CHECK(o.failures->failures == 1);
    }
}

TEST_CASE("login: lockout after N failures for the lock period, then unlocked") {
    auto f = with_totp();
    const LoginPolicy policy;  // 5 failures, 300 s
    const std::string wrong = code() == "000000" ? "111111" : "000000";
    std::int64_t t = kNow;
    for (int i = 1; i <= 5; ++i, t += 1) {
        auto o = evaluate_login(laptop(), f, {"laptop", wrong, "Initial"}, policy, t);
        REQUIRE(o.failures);
        f.login.failures = o.failures->failures;
        f.login.locked_until = o.failures->locked_until;
        f.login.lock_level = o.failures->lock_level;
        CHECK(o.event == (i < 5 ? LoginEvent::Failure : LoginEvent::Locked));
    }
    const std::int64_t locked_at = t - 1;
    CHECK(f.login.locked_until == locked_at + 300);
    CHECK(f.login.failures == 0);
    CHECK(is_locked(f.login, locked_at + 299));
    CHECK_FALSE(is_locked(f.login, locked_at + 300));
    // While locked, even the right code is refused, and nothing more is counted.
    auto locked = login(f, code(locked_at + 299), locked_at + 299);
    CHECK_FALSE(locked.allow);
    CHECK(locked.reason == "locked for another 1s");
    CHECK_FALSE(locked.failures);
    // At the lock's end the right code gets in and the lock is cleared.
    auto after = login(f, code(locked_at + 300), locked_at + 300);
    CHECK(after.allow);
    CHECK(after.unlocked);
    CHECK(after.failures == LockChange{0, 0, 0});
    // A wrong code right after the lock ran out starts counting from zero.
    auto again = login(f, wrong, locked_at + 300);
    CHECK(again.unlocked);
    CHECK(again.failures == LockChange{1, 0, 1});  // the level stays until a success
}

TEST_CASE("login: after_failure is the lockout arithmetic") {
    LoginPolicy p{3, 60, 0};
    store::LoginState s;
    s = after_failure(s, p, 100);
    CHECK((s.failures == 1 && s.locked_until == 0));
    s = after_failure(s, p, 101);
    s = after_failure(s, p, 102);
    CHECK((s.failures == 0 && s.locked_until == 162));
}

TEST_CASE("login: each further lock doubles the lock time up to the cap") {
    LoginPolicy p{1, 300, 0, 86400};
    CHECK(lock_duration(0, p) == 300);
    CHECK(lock_duration(1, p) == 600);
    CHECK(lock_duration(2, p) == 1200);
    CHECK(lock_duration(8, p) == 76800);
    CHECK(lock_duration(9, p) == 86400);
    CHECK(lock_duration(1000, p) == 86400);
    store::LoginState s;
    s = after_failure(s, p, 0);
    CHECK((s.locked_until == 300 && s.lock_level == 1));
    s = after_failure(s, p, 1000);
    CHECK((s.locked_until == 1600 && s.lock_level == 2));
    // A configured lock time above the cap is kept as it is, not shortened.
    CHECK(lock_duration(3, LoginPolicy{1, 200000, 0, 86400}) == 200000);
}

TEST_CASE("login: the lock escalates across locks and resets after a success") {
    auto f = with_totp();
    const LoginPolicy policy;  // 5 failures, 300 s, cap 24 h
    const std::string wrong = code() == "000000" ? "111111" : "000000";
    std::int64_t t = kNow;
    auto fail_until_locked = [&] {
        for (int i = 0; i < policy.max_failures; ++i, ++t) {
            auto o = evaluate_login(laptop(), f, {"laptop", wrong, "Initial"}, policy, t);
            REQUIRE(o.failures);
            f.login.failures = o.failures->failures;
            f.login.locked_until = o.failures->locked_until;
            f.login.lock_level = o.failures->lock_level;
        }
        return f.login.locked_until - (t - 1);
    };
    CHECK(fail_until_locked() == 300);
    CHECK(f.login.lock_level == 1);
    t = f.login.locked_until;
    CHECK(fail_until_locked() == 600);
    t = f.login.locked_until;
    CHECK(fail_until_locked() == 1200);
    CHECK(f.login.lock_level == 3);
    // The right code after the lock clears failures and the level.
    t = f.login.locked_until;
    auto ok = login(f, code(t), t);
    REQUIRE(ok.allow);
    CHECK(ok.failures == LockChange{0, 0, 0});
    f.login = {"", 0, 0, 0};
    t += 60;
    CHECK(fail_until_locked() == 300);
}

TEST_CASE("login: session tokens skip the code only for sessions the daemon verified") {
    auto f = with_totp();
    f.token_session_device = 7;
    auto o = login(f, "SESS_ID_token", kNow, "Authenticated");
    CHECK(o.allow);
    CHECK(o.method == "token");
    CHECK_FALSE(o.totp_step);
    f.token_session_device = 8;  // verified for another device
    CHECK_FALSE(login(f, "SESS_ID_token", kNow, "Authenticated").allow);
    f.token_session_device.reset();
    auto unknown = login(f, "SESS_ID_token", kNow, "Authenticated");
    CHECK_FALSE(unknown.allow);
    CHECK_FALSE(unknown.failures);  // not a guess at the code
    for (const char* state :
         {"Expired", "Invalid", "AuthenticatedEmptyUser", "ExpiredEmptyUser", "Bogus"}) {
        CAPTURE(state);
        auto r = login(f, code(), kNow, state);
        CHECK_FALSE(r.allow);
        CHECK_FALSE(r.totp_step);
    }
    // A token is accepted even while the device is locked: it proves an earlier login.
    f.token_session_device = 7;
    f.login.locked_until = kNow + 100;
    CHECK(login(f, "SESS_ID_token", kNow, "Authenticated").allow);
}

TEST_CASE("login: one-time codes work once, in place of code and password, until expiry") {
    auto f = with_totp();
    f.login.password_hash = secrets::hash_password("static-pw");
    const std::string access = "ABCD-EFGH-JKLM-NPQR";
    store::OneTimeCode c;
    c.id = 3;
    c.device_id = 7;
    c.code_hash = secrets::access_code_hash(access);
    c.expires_at = kNow + 60;
    f.codes.push_back(c);
    auto o = login(f, access);
    CHECK(o.allow);
    CHECK(o.method == "one-time code");
    CHECK(o.use_code_id == 3);
    CHECK(login(f, "abcdefghjklmnpqr").allow);  // case and dashes do not matter
    CHECK(login(f,
                "SCRV1::"
                "QUJDRC1FRkdILUpLTE0tTlBRUg==")
              .allow);                               // as the response
    CHECK_FALSE(login(f, access, kNow + 60).allow);  // expired
    CHECK(login(f, access, kNow + 60).detail == "one-time code 3: expired");
    f.codes[0].used_at = kNow;
    CHECK(login(f, access).detail == "one-time code 3: already used");
}

TEST_CASE("login: static password alone, and with TOTP through SCRV1") {
    LoginFacts f;
    f.login.password_hash = secrets::hash_password("static-pw");
    CHECK(login(f, "static-pw").allow);
    CHECK(login(f, "static-pw").method == "password");
    CHECK_FALSE(login(f, "static-px").allow);
    CHECK(login(f, "SCRV1:c3RhdGljLXB3:").allow);  // "static-pw", empty response

    auto both = with_totp();
    both.login.password_hash = f.login.password_hash;
    // Plain form cannot carry both.
    CHECK_FALSE(login(both, code()).allow);
    // SCRV1: base64("static-pw") and the code.
    auto scrv1 = [](const std::string& pw_b64, const std::string& c) {
        // base64 of the 6-digit code (6 bytes: no padding).
        std::string b64;
        static const char* alphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (std::size_t i = 0; i < c.size(); i += 3) {
            const unsigned v = (static_cast<unsigned char>(c[i]) << 16) |
                               (static_cast<unsigned char>(c[i + 1]) << 8) |
                               static_cast<unsigned char>(c[i + 2]);
            for (int k = 3; k >= 0; --k) b64 += alphabet[(v >> (6 * k)) & 63];
        }
        return "SCRV1:" + pw_b64 + ":" + b64;
    };
    CHECK(login(both, scrv1("c3RhdGljLXB3", code())).allow);
    auto wrong_pw = login(both, scrv1("c3RhdGljLXB4", code()));
    CHECK_FALSE(wrong_pw.allow);
    CHECK(wrong_pw.detail == "password: wrong");
}

TEST_CASE("login: a group rule without a confirmed secret refuses without counting") {
    LoginFacts f;
    f.group_requires_totp = true;
    auto o = login(f, "123456");
    CHECK_FALSE(o.allow);
    CHECK(o.detail == "totp: required by the group but not set up");
    CHECK_FALSE(o.failures);
    // After a reset: enforced, secret not confirmed yet.
    auto r = with_totp();
    r.totp->confirmed_at.reset();
    auto reset = login(r, code());
    CHECK_FALSE(reset.allow);
    CHECK(reset.detail == "totp: reset, waiting for totp confirm");
}

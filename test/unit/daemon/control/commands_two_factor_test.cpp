// totp.*, otp.*, device.password, group.require-totp against a real store and CA.
#include <catch2/catch.hpp>

#include "control_fixture.hpp"
#include "daemon/core/totp.hpp"

using namespace warden;
using namespace warden::control;

namespace {

struct Fixture : test::Fixture {
    Fixture() {
        REQUIRE(run("device.add", {{"name", "laptop"}, {"type", "pc"}}).code == Code::Ok);
        REQUIRE(run("device.add", {{"name", "router"}, {"type", "router"}}).code == Code::Ok);
    }
    std::string str(const Reply& r, const char* key) {
        return std::string(r.result.at(key).as_string());
    }
    std::string profile() { return str(run("device.export", {{"name", "laptop"}}), "profile"); }
    std::vector<std::string> actions() {
        std::vector<std::string> out;
        for (const auto& e : store->activity(0, 100)) {
            CHECK(e.actor == "root");
            out.insert(out.begin(), e.action);
        }
        return out;
    }
    std::int64_t laptop_id() { return store->find_device("laptop")->id; }
};

}  // namespace

TEST_CASE("totp commands: setup, confirm, reset, off") {
    Fixture f;
    CHECK(f.profile().find("auth-user-pass") == std::string::npos);
    auto setup = f.run("totp.setup", {{"name", "laptop"}});
    REQUIRE(setup.code == Code::Ok);
    const std::string secret = f.str(setup, "secret");
    CHECK(f.str(setup, "uri") ==
          "otpauth://totp/warden:laptop?secret=" + secret + "&issuer=warden");
    CHECK(f.str(f.run("totp.show", {{"name", "laptop"}}), "totp") == "pending confirmation");
    CHECK_FALSE(f.store->login_requirements(f.laptop_id()).totp_enforced);
    const std::string profile = f.profile();
    CHECK(profile.find("\nauth-user-pass\n") != std::string::npos);  // ready for the user
    // After AUTH_FAILED the client asks for a fresh code instead of replaying the old one.
    CHECK(profile.find("\nauth-retry interact\n") != std::string::npos);
    CHECK(profile.find("nointeract") == std::string::npos);

    const std::string good = *core::totp::code_at(secret, f.clock);
    auto bad = f.run("totp.confirm",
                     {{"name", "laptop"}, {"code", good == "000000" ? "111111" : "000000"}});
    CHECK(bad.code == Code::Invalid);
    CHECK(bad.message.rfind("code: ", 0) == 0);
    CHECK(f.run("totp.confirm", {{"name", "laptop"}, {"code", "12ab56"}})
              .message.rfind("code: ", 0) == 0);
    REQUIRE(f.run("totp.confirm", {{"name", "laptop"}, {"code", good}}).code == Code::Ok);
    CHECK(f.store->login_requirements(f.laptop_id()).totp_enforced);
    CHECK(f.store->find_totp(f.laptop_id())->last_step == core::totp::step_of(f.clock));
    CHECK(f.run("totp.confirm", {{"name", "laptop"}, {"code", good}}).message ==
          "totp: already confirmed for laptop");
    CHECK(f.run("totp.setup", {{"name", "laptop"}}).message.rfind("totp: already set up", 0) == 0);

    f.store->add_token_session("S1", f.laptop_id(), f.clock, 0);
    auto reset = f.run("totp.reset", {{"name", "laptop"}});
    REQUIRE(reset.code == Code::Ok);
    CHECK(f.str(reset, "secret") != secret);
    CHECK(f.str(f.run("totp.show", {{"name", "laptop"}}), "totp") == "reset, pending confirmation");
    CHECK(f.store->login_requirements(f.laptop_id()).totp_enforced);  // still enforced
    CHECK_FALSE(f.store->token_session_device("S1"));

    CHECK(f.run("totp.off", {{"name", "laptop"}}).code == Code::Ok);
    CHECK(f.run("totp.off", {{"name", "laptop"}}).code == Code::Invalid);
    CHECK_FALSE(f.store->find_totp(f.laptop_id()));
    CHECK(f.actions() == std::vector<std::string>{"device.add", "device.add", "device.export",
                                                  "totp.setup", "device.export", "totp.confirm",
                                                  "totp.reset", "totp.off"});
}

TEST_CASE("totp commands: arguments are validated and name the field") {
    Fixture f;
    CHECK(f.run("totp.setup", {{"name", "ghost"}}).message == "name: no device named ghost");
    CHECK(f.run("totp.setup", {{"name", "router"}}).message.rfind("name: TOTP is for pcs", 0) == 0);
    CHECK(f.run("totp.confirm", {{"name", "laptop"}, {"code", "123456"}})
              .message.rfind("totp: not set up", 0) == 0);
    CHECK(f.run("totp.reset", {{"name", "laptop"}}).message.rfind("totp: not set up", 0) == 0);
    CHECK(f.run("totp.setup", {}).code == Code::Usage);
    CHECK(f.store->activity(0, 100).size() == 2);  // only the two device.add
}

TEST_CASE("group.require-totp and the exported profile") {
    Fixture f;
    CHECK(f.run("group.require-totp", {{"group", "default"}, {"state", "maybe"}}).message ==
          "state: expected on or off");
    CHECK(f.run("group.require-totp", {{"group", "nope"}, {"state", "on"}}).message ==
          "group: unknown group nope");
    REQUIRE(f.run("group.require-totp", {{"group", "default"}, {"state", "on"}}).code == Code::Ok);
    CHECK(f.store->group_requires_totp("default") == true);
    CHECK(f.profile().find("\nauth-user-pass\n") != std::string::npos);
    CHECK(f.profile().find("static-challenge") == std::string::npos);
    f.config.auth.static_challenge = "Code from your app";
    CHECK(f.profile().find("\nstatic-challenge \"Code from your app\" 1\n") != std::string::npos);
    // Routers log in unattended: no credentials in their profile.
    auto router = f.str(f.run("device.export", {{"name", "router"}}), "profile");
    CHECK(router.find("auth-user-pass") == std::string::npos);
    REQUIRE(f.run("group.require-totp", {{"group", "default"}, {"state", "off"}}).code == Code::Ok);
    CHECK(f.profile().find("auth-user-pass") == std::string::npos);
}

TEST_CASE("device.password stores a hash, totp.unlock clears a lock") {
    Fixture f;
    CHECK(f.run("device.password", {{"name", "laptop"}}).message.rfind("password: ", 0) == 0);
    CHECK(f.run("device.password", {{"name", "laptop"}, {"password", "abc"}})
              .message.rfind("password: ", 0) == 0);
    CHECK(f.run("device.password", {{"name", "laptop"}, {"password", "abcdefgh"}, {"clear", true}})
              .message.rfind("password: ", 0) == 0);
    REQUIRE(f.run("device.password", {{"name", "laptop"}, {"password", "correct horse"}}).code ==
            Code::Ok);
    const auto hash = f.store->login_state(f.laptop_id()).password_hash;
    CHECK(hash.rfind("$y$", 0) == 0);
    CHECK(hash.find("correct horse") == std::string::npos);
    for (const auto& e : f.store->activity(0, 100))
        CHECK(e.details.find("horse") == std::string::npos);
    CHECK(f.profile().find("\nauth-user-pass\n") != std::string::npos);
    REQUIRE(f.run("device.password", {{"name", "laptop"}, {"clear", true}}).code == Code::Ok);
    CHECK(f.store->login_state(f.laptop_id()).password_hash.empty());

    f.store->set_login_failures(f.laptop_id(), 0, f.clock + 100, 3);
    CHECK(f.run("totp.show", {{"name", "laptop"}}).result.at("locked_until").is_string());
    CHECK(f.run("totp.show", {{"name", "laptop"}}).result.at("lock_level").as_int64() == 3);
    REQUIRE(f.run("totp.unlock", {{"name", "laptop"}}).code == Code::Ok);
    CHECK(f.run("totp.show", {{"name", "laptop"}}).result.at("locked_until").is_null());
    CHECK(f.run("totp.show", {{"name", "laptop"}}).result.at("lock_level").as_int64() == 0);
    CHECK(f.actions().back() == "login.unlocked");
}

TEST_CASE("otp commands: issue shows the code once, list never, revoke removes") {
    Fixture f;
    CHECK(f.run("otp.issue", {{"name", "laptop"}, {"ttl", "2x"}}).message.rfind("ttl: ", 0) == 0);
    CHECK(f.run("otp.issue", {{"name", "laptop"}, {"ttl", "31d"}}).message.rfind("ttl: ", 0) == 0);
    CHECK(f.run("otp.issue", {{"name", "ghost"}}).message == "name: no device named ghost");
    auto issued = f.run("otp.issue", {{"name", "laptop"}});
    REQUIRE(issued.code == Code::Ok);
    const std::string code = f.str(issued, "code");
    CHECK(code.size() == 19);  // XXXX-XXXX-XXXX-XXXX
    const auto id = issued.result.at("id").as_int64();
    auto stored = f.store->one_time_codes(f.laptop_id());
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].expires_at == f.clock + 7200);  // default 2h
    CHECK(stored[0].code_hash.find(code) == std::string::npos);
    CHECK(f.profile().find("\nauth-user-pass\n") != std::string::npos);

    REQUIRE(f.run("otp.issue", {{"name", "laptop"}, {"ttl", "30m"}}).code == Code::Ok);
    f.clock += 600;
    auto list = f.run("otp.list");
    REQUIRE(list.code == Code::Ok);
    REQUIRE(list.result.as_array().size() == 2);
    const auto& newest = list.result.as_array()[0].as_object();
    CHECK(newest.at("remaining").as_string() == "20m");
    CHECK(newest.at("remaining_seconds").as_int64() == 1200);
    CHECK(json::serialize(list.result).find(code) == std::string::npos);
    f.clock += 1200;  // the 30m code expired: no longer listed
    CHECK(f.run("otp.list").result.as_array().size() == 1);
    CHECK(f.run("otp.list", {{"name", "router"}}).result.as_array().empty());

    CHECK(f.run("otp.revoke", {{"id", 0}}).message == "id: expected a positive number");
    REQUIRE(f.run("otp.revoke", {{"id", id}}).code == Code::Ok);
    CHECK(f.run("otp.revoke", {{"id", id}}).code == Code::NotFound);
    CHECK(f.run("otp.list").result.as_array().empty());
    for (const auto& e : f.store->activity(0, 100))
        CHECK(e.details.find(code) == std::string::npos);
}

TEST_CASE("session kill, deactivate, revoke and totp reset forget the device's token sessions") {
    Fixture f;
    auto token_alive = [&] { return f.store->token_session_device("SESS").has_value(); };
    auto verified = [&] { f.store->add_token_session("SESS", f.laptop_id(), f.clock, 0); };
    auto other_alive = [&] { return f.store->token_session_device("OTHER").has_value(); };
    f.store->add_token_session("OTHER", f.store->find_device("router")->id, f.clock, 0);

    verified();
    REQUIRE(token_alive());
    REQUIRE(f.run("session.kill", {{"name", "laptop"}}).code == Code::Ok);
    CHECK_FALSE(token_alive());

    verified();
    REQUIRE(f.run("device.deactivate", {{"name", "laptop"}}).code == Code::Ok);
    CHECK_FALSE(token_alive());
    REQUIRE(f.run("device.activate", {{"name", "laptop"}}).code == Code::Ok);

    verified();
    const auto certs = f.run("cert.list", {{"name", "laptop"}}).result.as_array();
    const std::string serial(certs.at(0).at("serial").as_string());
    REQUIRE(f.run("cert.revoke", {{"name", "laptop"}, {"serial", serial}}).code == Code::Ok);
    CHECK_FALSE(token_alive());

    verified();
    REQUIRE(f.run("totp.setup", {{"name", "laptop"}}).code == Code::Ok);
    REQUIRE(f.run("totp.reset", {{"name", "laptop"}}).code == Code::Ok);
    CHECK_FALSE(token_alive());

    CHECK(other_alive());  // another device's token is untouched
}

TEST_CASE("totp confirm, totp off and device password forget token sessions, refusals do not") {
    Fixture f;
    auto token_alive = [&] { return f.store->token_session_device("SESS").has_value(); };
    auto verified = [&] { f.store->add_token_session("SESS", f.laptop_id(), f.clock, 0); };

    verified();
    const std::string secret = f.str(f.run("totp.setup", {{"name", "laptop"}}), "secret");
    REQUIRE(token_alive());  // a pending secret changes nothing yet
    REQUIRE(
        f.run("totp.confirm", {{"name", "laptop"}, {"code", *core::totp::code_at(secret, f.clock)}})
            .code == Code::Ok);
    CHECK_FALSE(token_alive());

    verified();
    REQUIRE(f.run("totp.off", {{"name", "laptop"}}).code == Code::Ok);
    CHECK_FALSE(token_alive());
    verified();
    REQUIRE(f.run("totp.off", {{"name", "laptop"}}).code == Code::Invalid);  // nothing to remove
    CHECK(token_alive());

    REQUIRE(f.run("device.password", {{"name", "laptop"}, {"password", "correct horse"}}).code ==
            Code::Ok);
    CHECK_FALSE(token_alive());
    verified();
    REQUIRE(f.run("device.password", {{"name", "laptop"}, {"clear", true}}).code == Code::Ok);
    CHECK_FALSE(token_alive());
    verified();
    REQUIRE(f.run("device.password", {{"name", "laptop"}, {"password", "short"}}).code ==
            Code::Invalid);
    CHECK(token_alive());
    // A revocation the store refuses (already revoked) leaves them too.
    const auto certs = f.run("cert.list", {{"name", "laptop"}}).result.as_array();
    const std::string serial(certs.at(0).at("serial").as_string());
    REQUIRE(f.run("cert.revoke", {{"name", "laptop"}, {"serial", serial}}).code == Code::Ok);
    CHECK_FALSE(token_alive());
    verified();
    REQUIRE(f.run("cert.revoke", {{"name", "laptop"}, {"serial", serial}}).code != Code::Ok);
    CHECK(token_alive());
}

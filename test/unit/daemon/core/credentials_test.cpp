// The password field: plain code, or OpenVPN's static-challenge form SCRV1.
#include <catch2/catch.hpp>

#include "daemon/core/credentials.hpp"
#include "daemon/core/duration.hpp"

using namespace warden::core;

TEST_CASE("credentials: a plain password is both the password and the code") {
    auto c = parse_credentials("123456");
    REQUIRE(c);
    CHECK(c->code == "123456");
    CHECK(c->password == "123456");
    CHECK_FALSE(c->challenge);
    CHECK_FALSE(parse_credentials(""));
    CHECK_FALSE(parse_credentials(std::string("12\n3456")));
    CHECK_FALSE(parse_credentials(std::string(2000, 'a')));
}

TEST_CASE("credentials: SCRV1 carries base64 password and response") {
    // "secret" / "123456", as OpenVPN encodes them.
    auto c = parse_credentials("SCRV1:c2VjcmV0:MTIzNDU2");
    REQUIRE(c);
    CHECK(c->challenge);
    CHECK(c->password == "secret");
    CHECK(c->code == "123456");
    // An empty password (TOTP-only device) is fine.
    auto empty = parse_credentials("SCRV1::MTIzNDU2");
    REQUIRE(empty);
    CHECK(empty->password.empty());
    CHECK(empty->code == "123456");
    // Padding: "pw" -> cHc=, "p" -> cA==.
    CHECK(parse_credentials("SCRV1:cHc=:cA==")->password == "pw");
    CHECK(parse_credentials("SCRV1:cHc=:cA==")->code == "p");
}

TEST_CASE("credentials: malformed SCRV1 is refused") {
    for (const char* bad :
         {"SCRV1:", "SCRV1:c2VjcmV0", "SCRV1:c2VjcmV0:MTIz:NDU2", "SCRV1:c2Vjc!V0:MTIzNDU2",
          "SCRV1:c2VjcmV0:MTIzNDU", "SCRV1:c2VjcmV0:MT=zNDU2",
          "SCRV1:c2VjcmV0:M===", "SCRV1:AAo=:MTIzNDU2" /* "\0\n" */, "SCRV1:c2VjcmV0: MTIzNDU2"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_credentials(bad));
    }
}

TEST_CASE("durations: 90s 30m 2h 7d, nothing else") {
    CHECK(parse_duration("90s") == 90);
    CHECK(parse_duration("30m") == 1800);
    CHECK(parse_duration("2h") == 7200);
    CHECK(parse_duration("7d") == 7 * 86400);
    for (const char* bad :
         {"", "s", "2", "2x", "-2h", "+2h", "0m", "2 h", "1.5h", "99999999999d"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_duration(bad));
    }
    CHECK(exact_duration(300) == "5m");
    CHECK(exact_duration(7200) == "2h");
    CHECK(exact_duration(90) == "90s");
    CHECK(parse_duration(exact_duration(43200)) == 43200);
    CHECK(format_duration(7199) == "1h 59m");
    CHECK(format_duration(45) == "45s");
    CHECK(format_duration(0) == "0s");
}

// TOTP through liboath: RFC 6238's SHA-1 test vectors, the ±1 step window, secrets, URI.
#include <catch2/catch.hpp>

#include <set>

#include "daemon/core/totp.hpp"

using namespace warden::core;

namespace {

// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" (ASCII) in base32.
const std::string kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Vector {
    std::int64_t time;
    const char* code8;
};
// Appendix B, SHA1 column (8 digits).
constexpr Vector kVectors[] = {{59, "94287082"},         {1111111109, "07081804"},
                               {1111111111, "14050471"}, {1234567890, "89005924"},
                               {2000000000, "69279037"}, {20000000000, "65353130"}};

}  // namespace

TEST_CASE("totp: RFC 6238 SHA-1 vectors, 8 digits and their 6-digit truncation") {
    CHECK(totp::base32("12345678901234567890") == kRfcSecret);
    for (const auto& v : kVectors) {
        CAPTURE(v.time);
        CHECK(totp::code_at(kRfcSecret, v.time, 8) == std::string(v.code8));
        const std::string six = std::string(v.code8).substr(2);
        CHECK(totp::code_at(kRfcSecret, v.time) == six);
        // Exactly at its own step, no window needed.
        CHECK(totp::match(kRfcSecret, six, v.time, 0) == totp::step_of(v.time));
        CHECK(totp::match(kRfcSecret, v.code8, v.time, 0, 8) == totp::step_of(v.time));
    }
}

TEST_CASE("totp: a code is accepted one step early or late, not two") {
    const std::int64_t t = 1234567890;  // step 41152263, 0 s into... (t % 30 == 0)
    const std::int64_t step = totp::step_of(t);
    const std::string code = *totp::code_at(kRfcSecret, t);
    // The step's first and last second.
    const std::int64_t first = step * 30, last = step * 30 + 29;
    CHECK(totp::match(kRfcSecret, code, first) == step);
    CHECK(totp::match(kRfcSecret, code, last) == step);
    // One step later (the code is 30..59 s old) and one step earlier (clock skew).
    CHECK(totp::match(kRfcSecret, code, last + 1) == step);
    CHECK(totp::match(kRfcSecret, code, last + 30) == step);
    CHECK(totp::match(kRfcSecret, code, first - 1) == step);
    CHECK(totp::match(kRfcSecret, code, first - 30) == step);
    // Two steps away: refused, at the exact edges.
    CHECK_FALSE(totp::match(kRfcSecret, code, last + 31));
    CHECK_FALSE(totp::match(kRfcSecret, code, first - 31));
    // Window 0: only the step itself.
    CHECK_FALSE(totp::match(kRfcSecret, code, last + 1, 0));
}

TEST_CASE("totp: malformed codes and secrets are refused, not thrown") {
    const std::int64_t t = 1111111111;
    CHECK_FALSE(totp::match(kRfcSecret, "", t));
    CHECK_FALSE(totp::match(kRfcSecret, "12345", t));
    CHECK_FALSE(totp::match(kRfcSecret, "1234567", t));
    CHECK_FALSE(totp::match(kRfcSecret, "05047a", t));
    CHECK_FALSE(totp::match(kRfcSecret, " 050471", t));
    CHECK_FALSE(totp::match("not base32!", "050471", t));
    CHECK_FALSE(totp::match("", "050471", t));
    CHECK(totp::match(kRfcSecret, "050471", t));
    CHECK_FALSE(totp::code_at("!!", t));
}

TEST_CASE("totp: secrets are 160 random bits in base32, the URI names issuer and account") {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        const std::string s = totp::new_secret();
        CHECK(s.size() == 32);  // 160 bits / 5
        CHECK(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == std::string::npos);
        CHECK(totp::code_at(s, 1000));
        seen.insert(s);
    }
    CHECK(seen.size() == 20);
    CHECK(totp::uri("laptop-1", "ABC") ==
          "otpauth://totp/warden:laptop-1?secret=ABC&issuer=warden");
    CHECK(totp::uri("a b/ü", "ABC") ==
          "otpauth://totp/warden:a%20b%2F%C3%BC?secret=ABC&issuer=warden");
}

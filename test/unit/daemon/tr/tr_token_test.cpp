// TR tokens: 160 random bits as 32 base32 characters, never the same twice, checked for
// form before any look-up, hashed so that case and dashes do not matter.
#include <catch2/catch.hpp>

#include <set>

#include "daemon/tr/tr_token.hpp"

using namespace warden::tr;

TEST_CASE("tr token: 32 base32 characters from the RNG, distinct, well formed") {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string t = new_token();
        CHECK(t.size() == kTokenChars);
        CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == std::string::npos);
        CHECK(well_formed(t));
        seen.insert(t);
    }
    CHECK(seen.size() == 200);
    CHECK(kTokenBytes * 8 >= 128);
}

TEST_CASE("tr token: anything but 32 base32 characters is refused before a look-up") {
    CHECK_FALSE(well_formed(""));
    CHECK_FALSE(well_formed("ABCDEFGHIJKLMNOPQRSTUVWXYZ23456"));    // 31
    CHECK_FALSE(well_formed("ABCDEFGHIJKLMNOPQRSTUVWXYZ2345678"));  // 33
    CHECK_FALSE(well_formed("ABCDEFGHIJKLMNOPQRSTUVWXYZ234561"));   // 1 is not base32
    CHECK_FALSE(well_formed("ABCDEFGHIJKLMNOPQRSTUVWXYZ23456/"));
    CHECK(well_formed("abcdefghijklmnopqrstuvwxyz234567"));
    CHECK(well_formed("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"));
}

TEST_CASE("tr token: the hash is SHA-256 hex of the normalized token") {
    const std::string h = token_hash("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    CHECK(h.size() == 64);
    CHECK(h == token_hash("abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567"));
    CHECK(h != token_hash("ABCDEFGHIJKLMNOPQRSTUVWXYZ234566"));
    CHECK(h.find("ABCDEF") == std::string::npos);
}

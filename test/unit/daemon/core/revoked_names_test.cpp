// openvpn_serial_name and plan_revoked_dir: the names OpenVPN's `crl-verify DIR dir` looks
// up. Expected names come from `openssl x509 -serial` and Python's int(serial, 16); OpenSSL's
// BN_bn2dec (what OpenVPN calls) checks random serials of every length up to 160 bits.
#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <catch2/catch.hpp>

#include <random>

#include "common/text.hpp"
#include "daemon/core/revoked_names.hpp"

using namespace warden;
using core::openvpn_serial_name;

namespace {

std::string bn_decimal(const std::string& hex) {
    BIGNUM* bn = nullptr;
    REQUIRE(BN_hex2bn(&bn, hex.c_str()) == static_cast<int>(hex.size()));
    char* dec = BN_bn2dec(bn);
    std::string out(dec);
    OPENSSL_free(dec);
    BN_free(bn);
    return out;
}

}  // namespace

TEST_CASE("serials as openssl x509 -serial prints them become OpenVPN's decimal names",
          "[revoked]") {
    // openssl x509 -serial output (left) and python3 int(serial, 16) (right).
    const std::pair<const char*, const char*> cases[] = {
        {"01", "1"},
        {"FF", "255"},
        {"0102030405060708090A0B0C0D0E0F101112131415",
         "1472986871266713627795412367503180683985716188181"},
        {"7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "170141183460469231731687303715884105727"},
        {"80000000000000000000000000000001", "170141183460469231731687303715884105729"},
        {"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "340282366920938463463374607431768211455"},
        {"0100000000000000000000000000000000", "340282366920938463463374607431768211456"},
        {"00:ff", "255"},
        {"0", "0"},
        {"000", "0"},
    };
    for (const auto& [printed, decimal] : cases) {
        INFO(printed);
        CHECK(openvpn_serial_name(text::normalize_serial(printed)) == decimal);
    }
}

TEST_CASE("the decimal name equals BN_bn2dec for random serials", "[revoked]") {
    std::mt19937_64 rng(11);
    const char* hex_digits = "0123456789abcdef";
    for (int i = 0; i < 2000; ++i) {
        std::string hex(1 + rng() % 40, '0');
        for (auto& c : hex) c = hex_digits[rng() % 16];
        const std::string normalized = text::normalize_serial(hex);
        INFO(hex);
        CHECK(openvpn_serial_name(normalized) == bn_decimal(normalized));
    }
}

TEST_CASE("only normalized hex serials get a name", "[revoked]") {
    CHECK(openvpn_serial_name("").empty());
    CHECK(openvpn_serial_name("0ff").empty());  // not normalized: leading zero
    CHECK(openvpn_serial_name("FF").empty());   // not normalized: uppercase
    CHECK(openvpn_serial_name("fg").empty());
    CHECK(openvpn_serial_name("-1").empty());
    CHECK(openvpn_serial_name("0") == "0");
}

TEST_CASE("serial names are BN_bn2dec's form", "[revoked]") {
    for (const char* name : {"0", "1", "255", "-5", "0123"}) CHECK(core::is_serial_name(name));
    for (const char* name : {"", "-", "12a", ".12", "12.tmp", "README", "1 2", "+1"})
        CHECK_FALSE(core::is_serial_name(name));
}

TEST_CASE("the plan makes the folder hold exactly the revoked serials", "[revoked]") {
    SECTION("missing names are created, in any spelling of the serial") {
        const auto plan = core::plan_revoked_dir({"ff", "01", "0A:0b"}, {});
        CHECK(plan.create == std::vector<std::string>{"1", "255", "2571"});
        CHECK(plan.remove.empty());
    }
    SECTION("present names stay; serial names the store does not list go; others stay") {
        const auto plan = core::plan_revoked_dir(
            {"ff", "10"}, {"255", "17", "0255", "-16", "README", ".255.swp", "16"});
        CHECK(plan.create.empty());
        CHECK(plan.remove == std::vector<std::string>{"-16", "0255", "17"});
    }
    SECTION("an empty store empties the folder of serial names") {
        const auto plan = core::plan_revoked_dir({}, {"1", "2", "notes"});
        CHECK(plan.create.empty());
        CHECK(plan.remove == std::vector<std::string>{"1", "2"});
    }
    SECTION("the same serial twice is one file; unusable serials are skipped") {
        const auto plan = core::plan_revoked_dir({"ff", "00ff", "not hex", ""}, {});
        CHECK(plan.create == std::vector<std::string>{"255"});
        // The same name listed twice (found by fuzz_revoked_names): kept, not removed.
        CHECK(core::plan_revoked_dir({"0"}, {"0", "0"}).remove.empty());
    }
    SECTION("a name too long for a file is never created") {
        const std::string huge(220, 'f');  // 265 decimal digits
        REQUIRE(openvpn_serial_name(huge).size() > core::kMaxName);
        CHECK(core::plan_revoked_dir({huge}, {}).create.empty());
    }
}

// One table for the admin reply codes: wardend's names and wardenctl's exit statuses.
#include <catch2/catch.hpp>

#include "common/admin_codes.hpp"

using namespace warden::admin;

TEST_CASE("admin codes: every code's name parses back to it") {
    for (const auto& e : kCodes) {
        CHECK(parse_code(code_name(e.code)) == e.code);
        CHECK(code_name(e.code) == e.name);
    }
    CHECK_FALSE(parse_code("nope").has_value());
    CHECK(code_name(Code::NotFound) == "not_found");
}

TEST_CASE("admin codes: wardenctl's exit status for an error reply (SPEC §13)") {
    CHECK(exit_for_error("denied") == kDenied);
    CHECK(exit_for_error("usage") == kUsage);
    CHECK(exit_for_error("invalid") == kRefused);
    CHECK(exit_for_error("not_found") == kRefused);
    CHECK(exit_for_error("internal") == kRefused);
    // Not a code, or "ok" where an error was reported: refused, never success.
    CHECK(exit_for_error("") == kRefused);
    CHECK(exit_for_error("ok") == kRefused);
    CHECK(kDone == 0);
    CHECK(kUnreachable == 3);
}

#include <catch2/catch.hpp>

#include "common/log.hpp"

using namespace warden;

TEST_CASE("log lines are message plus key=value fields, quoted when needed") {
    log::set_prefix("");
    CHECK(
        log::format(log::Level::Info, "client admitted", {{"device", "r1"}, {"ip", "10.8.0.2"}}) ==
        "info client admitted device=r1 ip=10.8.0.2\n");
    CHECK(log::format(log::Level::Warning, "refused", {{"reason", "cert revoked"}}) ==
          "warning refused reason=\"cert revoked\"\n");
    CHECK(log::format(log::Level::Error, "x", {{"v", "a\nb\"c"}}) ==
          "error x v=\"a\\x0ab\\\"c\"\n");
    CHECK(log::format(log::Level::Info, "x", {{"v", ""}}) == "info x v=\"\"\n");
}

TEST_CASE("log values with a backslash or DEL are quoted and escaped") {
    log::set_prefix("");
    // Bare, `a\` would leave a parser that reads escapes a backslash before the next field.
    CHECK(log::format(log::Level::Info, "x", {{"v", "a\\"}, {"w", "1"}}) ==
          "info x v=\"a\\\\\" w=1\n");
    CHECK(log::format(log::Level::Info, "x", {{"v", "a\x7f"}}) == "info x v=\"a\\x7f\"\n");
    std::string out;
    log::append_value(out, "plain");
    CHECK(out == "plain");
}

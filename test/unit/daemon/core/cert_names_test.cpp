#include <catch2/catch.hpp>

#include <set>

#include "daemon/core/cert_names.hpp"

using namespace warden;

namespace {

auto taken_in(const std::set<std::string>& live) {
    return [&live](const std::string& cn) { return live.count(cn) > 0; };
}

}  // namespace

TEST_CASE("a device's certificate is named after it while no live certificate has the name") {
    const std::set<std::string> live{"router"};
    CHECK(core::distinct_common_name("laptop", taken_in(live), [] { return "ffffffff"; }) ==
          "laptop");
}

TEST_CASE("a name some live certificate already carries gets a suffix") {
    const std::set<std::string> live{"laptop", "laptop-00000001"};
    int calls = 0;
    auto counter = [&calls] { return "0000000" + std::to_string(++calls); };
    CHECK(core::distinct_common_name("laptop", taken_in(live), counter) == "laptop-00000002");
}

TEST_CASE("suffixed names stay within the 64 bytes of a common name") {
    const std::string longest(64, 'a');
    const std::set<std::string> live{longest};
    const auto cn = core::distinct_common_name(longest, taken_in(live), [] { return "12345678"; });
    CHECK(cn.size() == 64);
    CHECK(cn == std::string(55, 'a') + "-12345678");
}

TEST_CASE("a stuck suffix source is an error, not a duplicate") {
    const std::set<std::string> live{"laptop", "laptop-00000000"};
    CHECK_THROWS(core::distinct_common_name("laptop", taken_in(live), [] { return "00000000"; }));
}

TEST_CASE("random suffixes are 8 hex digits and differ") {
    const auto a = core::random_common_name_suffix();
    const auto b = core::random_common_name_suffix();
    CHECK(a.size() == 8);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(a != b);
}

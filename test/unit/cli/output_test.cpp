#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sstream>

#include "cli/output.hpp"

using namespace warden;

TEST_CASE("print_object shows an object field as key=value pairs, not JSON") {
    boost::json::object status{{"devices", 3},
                               {"firewall", {{"state", "ok"}, {"repairs", 1}}},
                               {"certs", boost::json::array{{{"serial", "ab"}}}}};
    std::ostringstream out;
    cli::print_object(out, status);
    const std::string text = out.str();
    CHECK(text.find("devices:  3\n") != std::string::npos);
    CHECK(text.find("firewall: state=ok  repairs=1\n") != std::string::npos);
    CHECK(text.find("certs:    \n  serial=ab\n") != std::string::npos);
    CHECK(text.find('{') == std::string::npos);
}

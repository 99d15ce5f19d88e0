#include <catch2/catch.hpp>

#include "common/csv.hpp"

using namespace warden;

TEST_CASE("CSV fields are quoted exactly when they must be (RFC 4180)") {
    CHECK(csv::field("plain") == "plain");
    CHECK(csv::field("") == "");
    CHECK(csv::field("a,b") == "\"a,b\"");
    CHECK(csv::field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv::field("two\nlines") == "\"two\nlines\"");
    CHECK(csv::field("cr\rhere") == "\"cr\rhere\"");
    CHECK(csv::field("a;b") == "a;b");  // not the separator: no quotes
    CHECK(csv::field("a;b", ';') == "\"a;b\"");
    CHECK(csv::field("a,b", ';') == "a,b");
    CHECK(csv::field("tab\there", '\t') == "\"tab\there\"");
}

TEST_CASE("CSV rows join quoted fields with the separator and end in a newline") {
    CHECK(csv::row({"name", "vpn_ip", "traffic_total"}) == "name,vpn_ip,traffic_total\n");
    CHECK(csv::row({"r1", "10.8.0.2", "1,5"}) == "r1,10.8.0.2,\"1,5\"\n");
    CHECK(csv::row({"a", "", "c"}, ';') == "a;;c\n");
    CHECK(csv::row({}) == "\n");
}

TEST_CASE("separators that CSV cannot carry are refused") {
    for (char ok : {',', ';', '\t', '|', ' '}) CHECK(csv::usable_separator(ok));
    for (char bad : {'"', '\n', '\r', '\0'}) CHECK_FALSE(csv::usable_separator(bad));
}

TEST_CASE("CSV cells a spreadsheet would run as a formula get a leading quote") {
    CHECK(csv::field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
    CHECK(csv::field("=1+2") == "'=1+2");
    CHECK(csv::field("+cmd") == "'+cmd");
    CHECK(csv::field("-2+3") == "'-2+3");
    CHECK(csv::field("@SUM(A1)") == "'@SUM(A1)");
    CHECK(csv::field("\tx") == "'\tx");
    CHECK(csv::field("\tx", '\t') == "\"'\tx\"");
    CHECK(csv::field("\r=1") == "\"'\r=1\"");
    // Only the first character matters; ordinary values pass unchanged.
    CHECK(csv::field("a=b") == "a=b");
    CHECK(csv::field("10.8.0.2") == "10.8.0.2");
    CHECK(csv::field("'quoted") == "'quoted");
    CHECK(csv::row({"=cmd", "ok"}) == "'=cmd,ok\n");
}

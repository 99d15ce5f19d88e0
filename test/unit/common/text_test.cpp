#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <cctype>
#include <fstream>
#include <sstream>

#include "common/text.hpp"

using warden::text::normalize_fingerprint;
using warden::text::normalize_serial;

TEST_CASE("serials normalize to lowercase hex without separators or leading zeros") {
    CHECK(normalize_serial("0A:1b:FF") == "a1bff");
    CHECK(normalize_serial("00:00:01") == "1");
    CHECK(normalize_serial("DEADBEEF") == "deadbeef");
    CHECK(normalize_serial("00") == "0");
    CHECK(normalize_serial("") == "");
    CHECK(normalize_serial("12 34") == "");
    CHECK(normalize_serial("xyz") == "");
}

TEST_CASE("write_file_atomic writes the content with the mode") {
    char dir_template[] = "/tmp/warden-text-XXXXXX";
    const std::string dir = ::mkdtemp(dir_template);
    const std::string path = dir + "/f.txt";
    REQUIRE(warden::text::write_file_atomic(path, "one", 0600).empty());
    REQUIRE(warden::text::write_file_atomic(path, "two", 0640).empty());
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "two");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK_FALSE(warden::text::write_file_atomic(dir + "/missing/x", "x", 0600).empty());
    std::remove(path.c_str());
    ::rmdir(dir.c_str());
}

TEST_CASE("normalize_fingerprint: openssl's form from any case, with or without colons") {
    std::string colons, plain;
    for (int i = 0; i < 32; ++i) {
        colons += (i ? ":" : "") + std::string(i % 2 ? "a0" : "0B");
        plain += i % 2 ? "A0" : "0b";
    }
    std::string upper = colons;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(normalize_fingerprint(colons) == upper);
    CHECK(normalize_fingerprint(plain) == upper);
    CHECK(upper.size() == 95);
    CHECK(normalize_fingerprint(plain + "00").empty());     // 33 bytes
    CHECK(normalize_fingerprint(plain.substr(2)).empty());  // 31 bytes
    CHECK(normalize_fingerprint(plain.substr(1)).empty());  // odd
    CHECK(normalize_fingerprint("g" + plain.substr(1)).empty());
    CHECK(normalize_fingerprint("").empty());
}

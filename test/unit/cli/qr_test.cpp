// The QR code of `totp setup`: the terminal drawing holds exactly the code's modules, and
// the PNG decodes back to the otpauth:// URI (zbarimg, Debian's zbar-tools).
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>

#include "cli/qr.hpp"
#include "support/unix_client.hpp"

using namespace warden::cli;

namespace {

const std::string kUri =
    "otpauth://totp/warden:laptop-1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=warden";

// Reads the half-block drawing back into "is this module light" rows.
std::vector<std::vector<bool>> read_terminal(const std::string& text) {
    std::vector<std::vector<bool>> rows;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::vector<bool> top, bottom;
        while (pos < text.size() && text[pos] != '\n') {
            if (text[pos] == ' ') {
                top.push_back(false), bottom.push_back(false);
                pos += 1;
                continue;
            }
            const std::string glyph = text.substr(pos, 3);
            REQUIRE((glyph == "\u2588" || glyph == "\u2580" || glyph == "\u2584"));
            top.push_back(glyph != "\u2584");
            bottom.push_back(glyph != "\u2580");
            pos += 3;
        }
        ++pos;  // '\n'
        rows.push_back(top);
        rows.push_back(bottom);
    }
    return rows;
}

std::string run(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    REQUIRE(pipe);
    std::string out;
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
    return out;
}

}  // namespace

TEST_CASE("qr: the terminal drawing is the code's modules inside a quiet zone") {
    auto qr = qr_encode(kUri);
    REQUIRE(qr);
    CHECK(qr->width >= 21);
    const auto rows = read_terminal(qr_terminal(*qr));
    const int size = qr->width + 2 * kTerminalQuiet;
    REQUIRE(static_cast<int>(rows.size()) >= size);
    for (int y = 0; y < size; ++y) {
        REQUIRE(static_cast<int>(rows[y].size()) == size);
        for (int x = 0; x < size; ++x) {
            const int qx = x - kTerminalQuiet, qy = y - kTerminalQuiet;
            const bool inside = qx >= 0 && qy >= 0 && qx < qr->width && qy < qr->width;
            const bool light = !inside || !qr->at(qx, qy);
            INFO("module " << x << "," << y);
            REQUIRE(rows[y][x] == light);
        }
    }
}

TEST_CASE("qr: the PNG decodes back to the URI with zbarimg") {
    warden::testing::TempDir dir;
    auto qr = qr_encode(kUri);
    REQUIRE(qr);
    const std::string png = dir.file("totp.png");
    REQUIRE(write_qr_png(*qr, png).empty());
    const std::string decoded = run("zbarimg --quiet --raw '" + png + "' 2>/dev/null");
    CHECK(decoded == kUri + "\n");
    CHECK_FALSE(write_qr_png(*qr, dir.file("missing/dir/x.png")).empty());
}

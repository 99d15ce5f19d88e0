// QR codes for `wardenctl totp setup` (libqrencode): drawn in the terminal with Unicode
// half blocks, two module rows per text line, and written as PNG (libpng).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::cli {

struct QrMatrix {
    int width = 0;
    std::vector<bool> dark;  // row-major, width * width
    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * width + x)]; }
};

// nullopt when the text does not fit in a QR code.
std::optional<QrMatrix> qr_encode(std::string_view text);

// Light modules (and a 2-module quiet zone) are drawn as blocks, so on a terminal with a
// dark background the code shows dark-on-light as scanners expect.
std::string qr_terminal(const QrMatrix& qr);
inline constexpr int kTerminalQuiet = 2;

// Writes a grayscale PNG, `scale` pixels per module, 4-module quiet zone. Returns an
// error text, empty on success.
std::string write_qr_png(const QrMatrix& qr, const std::string& path, int scale = 8);

}  // namespace warden::cli

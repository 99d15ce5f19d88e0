#include "cli/qr.hpp"

#include <png.h>
#include <qrencode.h>

#include <memory>
#include <string>

#include "cli/private_file.hpp"

namespace warden::cli {
namespace {

constexpr int kPngQuiet = 4;

struct QrFree {
    void operator()(QRcode* q) const { QRcode_free(q); }
};

// The simplified libpng API needs no setjmp; this only releases its state on failure.
struct PngImage {
    png_image image{};
    PngImage() { image.version = PNG_IMAGE_VERSION; }
    ~PngImage() { png_image_free(&image); }
};

}  // namespace

std::optional<QrMatrix> qr_encode(std::string_view text) {
    const std::string s(text);
    std::unique_ptr<QRcode, QrFree> code(
        QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) return std::nullopt;
    QrMatrix m;
    m.width = code->width;
    m.dark.resize(static_cast<std::size_t>(m.width * m.width));
    for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
    return m;
}

std::string qr_terminal(const QrMatrix& qr) {
    const int size = qr.width + 2 * kTerminalQuiet;
    auto light = [&](int x, int y) {
        x -= kTerminalQuiet;
        y -= kTerminalQuiet;
        if (x < 0 || y < 0 || x >= qr.width || y >= qr.width) return true;
        return !qr.at(x, y);
    };
    std::string out;
    for (int y = 0; y < size; y += 2) {
        for (int x = 0; x < size; ++x) {
            const bool top = light(x, y);
            const bool bottom = y + 1 < size ? light(x, y + 1) : false;
            if (top && bottom)
                out += "\u2588";
            else if (top)
                out += "\u2580";
            else if (bottom)
                out += "\u2584";
            else
                out += ' ';
        }
        out += '\n';
    }
    return out;
}

std::string write_qr_png(const QrMatrix& qr, const std::string& path, int scale) {
    if (scale < 1 || qr.width <= 0) return "bad QR image size";
    const int side = (qr.width + 2 * kPngQuiet) * scale;
    std::vector<png_byte> pixels(static_cast<std::size_t>(side) * side, 255);
    for (int y = 0; y < qr.width; ++y)
        for (int x = 0; x < qr.width; ++x) {
            if (!qr.at(x, y)) continue;
            for (int dy = 0; dy < scale; ++dy)
                for (int dx = 0; dx < scale; ++dx) {
                    const int py = (y + kPngQuiet) * scale + dy;
                    const int px = (x + kPngQuiet) * scale + dx;
                    pixels[static_cast<std::size_t>(py) * side + px] = 0;
                }
        }
    PngImage png;
    png.image.width = static_cast<png_uint_32>(side);
    png.image.height = static_cast<png_uint_32>(side);
    png.image.format = PNG_FORMAT_GRAY;
    // Encoded in memory, then written as a private file: the QR code is the TOTP secret.
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&png.image, nullptr, &size, 0, pixels.data(), 0, nullptr))
        return "cannot encode " + path + ": " + png.image.message;
    std::string bytes(size, '\0');
    if (!png_image_write_to_memory(&png.image, bytes.data(), &size, 0, pixels.data(), 0, nullptr))
        return "cannot encode " + path + ": " + png.image.message;
    bytes.resize(size);
    return write_private_file(path, bytes);
}

}  // namespace warden::cli

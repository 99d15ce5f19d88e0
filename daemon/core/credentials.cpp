#include "daemon/core/credentials.hpp"

#include <openssl/evp.h>

#include <memory>

namespace warden::core {
namespace {

constexpr std::string_view kPrefix = "SCRV1:";
constexpr std::size_t kMaxEncoded = 4096;
constexpr std::size_t kMaxDecoded = 1024;

struct DecodeCtxFree {
    void operator()(EVP_ENCODE_CTX* c) const { EVP_ENCODE_CTX_free(c); }
};

bool acceptable(std::string_view s) {
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f) return false;
    }
    return true;
}

bool strict_base64(std::string_view s) {
    if (s.size() % 4 != 0) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool alnum =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        const bool pad = c == '=' && i + 2 >= s.size() && (i + 1 == s.size() || s.back() == '=');
        if (!alnum && c != '+' && c != '/' && !pad) return false;
    }
    return true;
}

// Standard base64 with padding, as OpenVPN writes it; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view in) {
    if (in.empty()) return std::string();
    if (in.size() > kMaxEncoded || !strict_base64(in)) return std::nullopt;
    std::unique_ptr<EVP_ENCODE_CTX, DecodeCtxFree> ctx(EVP_ENCODE_CTX_new());
    if (!ctx) return std::nullopt;
    EVP_DecodeInit(ctx.get());
    std::string out(in.size() / 4 * 3 + 3, '\0');
    int len = 0;
    int tail = 0;
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_DecodeUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(in.data()),
                         static_cast<int>(in.size())) < 0)
        return std::nullopt;
    if (EVP_DecodeFinal(ctx.get(), dst + len, &tail) != 1) return std::nullopt;
    out.resize(static_cast<std::size_t>(len + tail));
    return out;
}

}  // namespace

std::optional<Credentials> parse_credentials(std::string_view password) {
    if (password.empty()) return std::nullopt;
    Credentials c;
    if (password.substr(0, kPrefix.size()) != kPrefix) {
        if (password.size() > kMaxDecoded || !acceptable(password)) return std::nullopt;
        c.password = c.code = std::string(password);
        return c;
    }
    const std::string_view rest = password.substr(kPrefix.size());
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos || rest.find(':', colon + 1) != std::string_view::npos)
        return std::nullopt;
    auto pw = base64_decode(rest.substr(0, colon));
    auto code = base64_decode(rest.substr(colon + 1));
    if (!pw || !code || pw->size() > kMaxDecoded || code->size() > kMaxDecoded) return std::nullopt;
    if (!acceptable(*pw) || !acceptable(*code)) return std::nullopt;
    c.password = std::move(*pw);
    c.code = std::move(*code);
    c.challenge = true;
    return c;
}

}  // namespace warden::core

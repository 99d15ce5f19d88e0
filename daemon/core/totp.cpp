#include "daemon/core/totp.hpp"

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace warden::core::totp {
namespace {

constexpr std::size_t kSecretBytes = 20;
constexpr std::string_view kIssuer = "warden";

void init_oath() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (oath_init() != OATH_OK) throw std::runtime_error("liboath: oath_init failed");
    });
}

struct FreeDeleter {
    void operator()(char* p) const { std::free(p); }
};
using OathBuffer = std::unique_ptr<char, FreeDeleter>;

// Decodes a base32 secret; nullopt when malformed. The secret is wiped when freed.
struct Secret {
    std::string bytes;
    ~Secret() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

std::optional<std::string> decode(std::string_view base32_secret) {
    if (base32_secret.empty() || base32_secret.size() > 256) return std::nullopt;
    init_oath();
    char* out = nullptr;
    std::size_t len = 0;
    if (oath_base32_decode(base32_secret.data(), base32_secret.size(), &out, &len) != OATH_OK)
        return std::nullopt;
    OathBuffer owned(out);
    std::string bytes(out, len);
    OPENSSL_cleanse(out, len);
    if (bytes.empty()) return std::nullopt;
    return bytes;
}

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// liboath's comparison hook: 0 only on a match, compared in constant time.
int constant_time_compare(void* handle, const char* candidate) {
    const auto* code = static_cast<const std::string*>(handle);
    if (std::char_traits<char>::length(candidate) != code->size()) return 1;
    return CRYPTO_memcmp(candidate, code->data(), code->size()) == 0 ? 0 : 1;
}

bool unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        if (unreserved(c)) {
            out += c;
        } else {
            const auto b = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[b >> 4];
            out += kHex[b & 0xf];
        }
    }
    return out;
}

}  // namespace

std::string base32(std::string_view bytes) {
    init_oath();
    char* out = nullptr;
    std::size_t len = 0;
    if (oath_base32_encode(bytes.data(), bytes.size(), &out, &len) != OATH_OK)
        throw std::runtime_error("liboath: base32 encoding failed");
    OathBuffer owned(out);
    std::string text(out, len);
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
}

std::string new_secret() {
    Secret raw{std::string(kSecretBytes, '\0')};
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.bytes.data()), kSecretBytes) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return base32(raw.bytes);
}

std::string uri(std::string_view account, std::string_view base32_secret) {
    return "otpauth://totp/" + std::string(kIssuer) + ":" + percent_encode(account) +
           "?secret=" + std::string(base32_secret) + "&issuer=" + std::string(kIssuer);
}

std::int64_t step_of(std::int64_t t) {
    return t / static_cast<std::int64_t>(kStepSeconds);
}

std::optional<std::int64_t> match(std::string_view base32_secret, std::string_view code,
                                  std::int64_t now, int window, unsigned digits) {
    if (code.size() != digits || !all_digits(code) || window < 0 || now < 0) return std::nullopt;
    auto decoded = decode(base32_secret);
    if (!decoded) return std::nullopt;
    Secret secret{std::move(*decoded)};
    const std::string wanted(code);
    int position = 0;
    std::uint64_t counter = 0;
    const int rc = oath_totp_validate3_callback(
        secret.bytes.data(), secret.bytes.size(), static_cast<time_t>(now), kStepSeconds,
        OATH_TOTP_DEFAULT_START_TIME, digits, static_cast<std::size_t>(window), &position, &counter,
        constant_time_compare, const_cast<std::string*>(&wanted));
    if (rc < 0) return std::nullopt;
    return static_cast<std::int64_t>(counter);
}

std::optional<std::string> code_at(std::string_view base32_secret, std::int64_t t,
                                   unsigned digits) {
    auto decoded = decode(base32_secret);
    if (!decoded || t < 0) return std::nullopt;
    Secret secret{std::move(*decoded)};
    std::string out(digits + 1, '\0');
    if (oath_totp_generate(secret.bytes.data(), secret.bytes.size(), static_cast<time_t>(t),
                           kStepSeconds, OATH_TOTP_DEFAULT_START_TIME, digits,
                           out.data()) != OATH_OK)
        return std::nullopt;
    out.resize(digits);
    return out;
}

}  // namespace warden::core::totp

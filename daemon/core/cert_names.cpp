#include "daemon/core/cert_names.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace warden::core {

std::string distinct_common_name(std::string_view name,
                                 const std::function<bool(const std::string&)>& in_use,
                                 const std::function<std::string()>& suffix) {
    std::string candidate(name.substr(0, kMaxCommonNameLength));
    if (!in_use(candidate)) return candidate;
    constexpr int kAttempts = 16;
    const std::size_t stem = kMaxCommonNameLength - 1 - kCommonNameSuffixLength;
    for (int i = 0; i < kAttempts; ++i) {
        candidate =
            std::string(name.substr(0, stem)) + "-" + suffix().substr(0, kCommonNameSuffixLength);
        if (!in_use(candidate)) return candidate;
    }
    throw std::runtime_error("no free certificate common name for " + std::string(name));
}

std::string random_common_name_suffix() {
    std::array<unsigned char, kCommonNameSuffixLength / 2> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
    return out;
}

}  // namespace warden::core

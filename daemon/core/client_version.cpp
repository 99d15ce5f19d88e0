#include "daemon/core/client_version.hpp"

namespace warden::core {
namespace {

constexpr std::size_t kMaxDigits = 5;

// Reads digits at `pos` into `out`; false when there are none or too many.
bool number_at(std::string_view text, std::size_t& pos, int& out) {
    const std::size_t start = pos;
    int value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (pos - start == kMaxDigits) return false;
        value = value * 10 + (text[pos] - '0');
        ++pos;
    }
    out = value;
    return pos > start;
}

// Parses the numbers; `consumed` is how much of `text` they took.
std::optional<ClientVersion> leading_version(std::string_view text, std::size_t& consumed) {
    ClientVersion v;
    std::size_t pos = 0;
    if (!number_at(text, pos, v.major)) return std::nullopt;
    for (int* part : {&v.minor, &v.patch}) {
        if (pos + 1 >= text.size() || text[pos] != '.') break;
        std::size_t next = pos + 1;
        if (!(text[next] >= '0' && text[next] <= '9')) break;
        if (!number_at(text, next, *part)) return std::nullopt;
        pos = next;
    }
    consumed = pos;
    return v;
}

}  // namespace

std::string ClientVersion::text() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<ClientVersion> parse_client_version(std::string_view iv_ver) {
    std::size_t consumed = 0;
    return leading_version(iv_ver, consumed);
}

std::optional<ClientVersion> parse_version_setting(std::string_view text) {
    std::size_t consumed = 0;
    auto v = leading_version(text, consumed);
    if (!v || consumed != text.size()) return std::nullopt;
    return v;
}

}  // namespace warden::core

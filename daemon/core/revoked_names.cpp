#include "daemon/core/revoked_names.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "common/text.hpp"

namespace warden::core {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

// Schoolbook base conversion in limbs of 10^9 (least significant first), fed 7 hex digits
// (28 bits) at a time: limb * 2^28 + carry stays below 2^64. A 128-bit serial takes 5
// steps over at most 5 limbs; the folder sync converts every revoked serial each time.
std::string openvpn_serial_name(std::string_view hex) {
    if (hex.empty() || (hex.size() > 1 && hex.front() == '0')) return {};
    constexpr std::uint64_t kBase = 1'000'000'000;
    constexpr std::size_t kChunk = 7;
    std::vector<std::uint32_t> limbs{0};
    std::size_t len = hex.size() % kChunk == 0 ? kChunk : hex.size() % kChunk;
    for (std::size_t pos = 0; pos < hex.size(); pos += len, len = kChunk) {
        std::uint64_t carry = 0;
        for (char c : hex.substr(pos, len)) {
            const int v = hex_value(c);
            if (v < 0) return {};
            carry = carry * 16 + static_cast<std::uint64_t>(v);
        }
        const std::uint64_t factor = std::uint64_t{1} << (4 * len);
        for (auto& limb : limbs) {
            const std::uint64_t v = limb * factor + carry;
            limb = static_cast<std::uint32_t>(v % kBase);
            carry = v / kBase;
        }
        for (; carry > 0; carry /= kBase)
            limbs.push_back(static_cast<std::uint32_t>(carry % kBase));
    }
    std::string out = std::to_string(limbs.back());
    for (auto it = std::next(limbs.rbegin()); it != limbs.rend(); ++it) {
        const std::string part = std::to_string(*it);
        out.append(9 - part.size(), '0').append(part);
    }
    return out;
}

bool is_serial_name(std::string_view name) {
    if (!name.empty() && name.front() == '-') name.remove_prefix(1);
    return !name.empty() &&
           std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

RevokedDirPlan plan_revoked_dir(const std::vector<std::string>& revoked_hex,
                                const std::vector<std::string>& present) {
    std::vector<std::string> wanted;
    wanted.reserve(revoked_hex.size());
    for (const auto& serial : revoked_hex) {
        std::string name = openvpn_serial_name(text::normalize_serial(serial));
        if (!name.empty() && name.size() <= kMaxName) wanted.push_back(std::move(name));
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::vector<std::string> have;
    for (const auto& name : present)
        if (is_serial_name(name)) have.push_back(name);
    std::sort(have.begin(), have.end());
    have.erase(std::unique(have.begin(), have.end()), have.end());  // a name is one file

    RevokedDirPlan plan;
    std::set_difference(wanted.begin(), wanted.end(), have.begin(), have.end(),
                        std::back_inserter(plan.create));
    std::set_difference(have.begin(), have.end(), wanted.begin(), wanted.end(),
                        std::back_inserter(plan.remove));
    return plan;
}

}  // namespace warden::core

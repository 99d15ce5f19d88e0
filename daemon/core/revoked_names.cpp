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

// Schoolbook base conversion: the decimal digits (least significant first) are multiplied
// by 16 and the next hex digit added, once per hex digit. Quadratic, but a serial has at
// most a few dozen digits.
std::string openvpn_serial_name(std::string_view hex) {
    if (hex.empty() || (hex.size() > 1 && hex.front() == '0')) return {};
    std::vector<std::uint8_t> digits{0};
    for (char c : hex) {
        int carry = hex_value(c);
        if (carry < 0) return {};
        for (auto& d : digits) {
            const int v = d * 16 + carry;
            d = static_cast<std::uint8_t>(v % 10);
            carry = v / 10;
        }
        for (; carry > 0; carry /= 10) digits.push_back(static_cast<std::uint8_t>(carry % 10));
    }
    std::string out;
    out.reserve(digits.size());
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(char('0' + *it));
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

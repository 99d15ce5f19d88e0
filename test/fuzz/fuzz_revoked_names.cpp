// Arbitrary bytes as the two inputs of plan_revoked_dir: serials as the store holds them
// (lines before the first '|') and the names readdir found in pki/revoked (lines after).
// Never a crash; the plan only creates missing serial names and only removes present
// serial names; afterwards every usable revoked serial has its file and no other serial
// name is left; openvpn_serial_name agrees with OpenSSL's BN_bn2dec (what OpenVPN calls).
#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.hpp"
#include "daemon/core/revoked_names.hpp"

using namespace warden;

namespace {

std::vector<std::string> lines(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto nl = s.find('\n');
        out.emplace_back(s.substr(0, nl));
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

void check_against_openssl(const std::string& hex, const std::string& name) {
    if (hex.size() > 200) return;  // BN is exact at any size; keep the run fast
    BIGNUM* bn = nullptr;
    if (BN_hex2bn(&bn, hex.c_str()) != static_cast<int>(hex.size())) __builtin_trap();
    char* dec = BN_bn2dec(bn);
    const bool same = dec != nullptr && name == dec;
    OPENSSL_free(dec);
    BN_free(bn);
    if (!same) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto bar = in.find('|');
    const auto serials = lines(in.substr(0, bar));
    const auto present =
        bar == std::string_view::npos ? std::vector<std::string>{} : lines(in.substr(bar + 1));
    const core::RevokedDirPlan plan = core::plan_revoked_dir(serials, present);

    const std::set<std::string> before(present.begin(), present.end());
    for (const auto& name : plan.create)
        if (!core::is_serial_name(name) || before.count(name) || name.size() > core::kMaxName)
            __builtin_trap();
    for (const auto& name : plan.remove)
        if (!core::is_serial_name(name) || !before.count(name)) __builtin_trap();

    std::set<std::string> after = before;
    for (const auto& name : plan.remove) after.erase(name);
    after.insert(plan.create.begin(), plan.create.end());
    std::set<std::string> wanted;
    for (const auto& serial : serials) {
        const std::string hex = text::normalize_serial(serial);
        const std::string name = core::openvpn_serial_name(hex);
        if (hex.empty() != name.empty()) __builtin_trap();
        if (name.empty()) continue;
        check_against_openssl(hex, name);
        if (name.size() <= core::kMaxName) wanted.insert(name);
    }
    for (const auto& name : after)
        if (core::is_serial_name(name) != (wanted.count(name) == 1)) __builtin_trap();
    for (const auto& name : wanted)
        if (!after.count(name)) __builtin_trap();
    return 0;
}

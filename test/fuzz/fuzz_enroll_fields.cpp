// The certificate fields enrollment reads from the plugin (issue 11): a fingerprint, a
// client version and a subject line. Arbitrary text gives a value or nothing, never a
// crash; a fingerprint that normalizes does so to itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/text.hpp"
#include "daemon/core/client_version.hpp"
#include "daemon/core/enrollment.hpp"

using namespace warden;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string fingerprint = text::normalize_fingerprint(text);
    if (!fingerprint.empty() &&
        (fingerprint.size() != 95 || text::normalize_fingerprint(fingerprint) != fingerprint))
        __builtin_trap();
    if (auto v = core::parse_client_version(text); v && (v->major < 0 || v->minor < 0))
        __builtin_trap();
    if (auto v = core::parse_version_setting(text);
        v && !(core::parse_version_setting(v->text()).has_value()))
        __builtin_trap();
    if (core::common_name_of(text).size() > text.size()) __builtin_trap();
    return 0;
}

// Common names of client certificates. OpenVPN, its status output and `kill` know a
// client by its certificate's CN, and wardend ends sessions from before a restart by CN,
// so two live certificates must never share one. A device's CN is its name when no live
// certificate carries that name yet (the usual case, and what admins see in OpenVPN's
// logs); otherwise (a device was renamed and a new one took the old name, a second
// certificate of the same device, a replace) the name gets a random suffix.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace warden::core {

inline constexpr std::size_t kMaxCommonNameLength = 64;    // X.509 ub-common-name
inline constexpr std::size_t kCommonNameSuffixLength = 8;  // hex digits

// `name`, or `name` (cut to fit 64 bytes) + "-" + suffix(), whichever in_use() says is
// free first. Throws std::runtime_error after 16 taken suffixes (cannot happen with
// random 32-bit suffixes short of a broken random source).
std::string distinct_common_name(std::string_view name,
                                 const std::function<bool(const std::string&)>& in_use,
                                 const std::function<std::string()>& suffix);

// 8 random lowercase hex digits (OpenSSL RAND_bytes).
std::string random_common_name_suffix();

}  // namespace warden::core

// OpenVPN client versions as clients report them in IV_VER ("2.6.14", "2.5_git",
// "2.6_beta1", OpenVPN 3's "3.git::58b92569"), for [enroll] min_client_version.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace warden::core {

struct ClientVersion {
    int major = 0;
    int minor = 0;
    int patch = 0;

    friend bool operator<(const ClientVersion& a, const ClientVersion& b) {
        return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
    }
    std::string text() const;  // "2.6.0"
};

// The leading MAJOR[.MINOR[.PATCH]] of an IV_VER; whatever follows the numbers ("_git",
// "::hash") is ignored. nullopt when it does not start with a number (or a part has more
// than 5 digits).
std::optional<ClientVersion> parse_client_version(std::string_view iv_ver);

// The same, for the config file: nothing may follow the numbers.
std::optional<ClientVersion> parse_version_setting(std::string_view text);

}  // namespace warden::core

// The names in pki/revoked, the folder OpenVPN reads with `crl-verify DIR dir` (issue 11).
// OpenVPN refuses a certificate of the chain when a file named by its serial exists there:
// the name is BN_bn2dec of the serial (backend_x509_get_serial), i.e. DECIMAL, while warden
// stores serials in hex (text::normalize_serial). Pure: the caller reads and writes the
// folder (control/revoked_dir).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace warden::core {

// The decimal file name OpenVPN looks up for the serial `hex` (normalized: lowercase hex
// digits without leading zeros, "0" for zero). Exact for any length. "" when `hex` is not
// in that form. Serials are non-negative here: warden stores the INTEGER's content bytes
// (tls_serial_hex_N form), which carry no sign.
std::string openvpn_serial_name(std::string_view hex);

// Whether OpenVPN could look `name` up for some certificate: BN_bn2dec's form, an optional
// '-' (negative serials, forbidden by RFC 5280 but parsed by OpenSSL) and decimal digits.
bool is_serial_name(std::string_view name);

struct RevokedDirPlan {
    std::vector<std::string> create;  // revoked serials' names missing from the folder
    std::vector<std::string> remove;  // serial names in the folder that are not revoked
};

// What makes a folder holding the names `present` say exactly what the store says: one
// file per revoked serial (`revoked_hex`, any spelling text::normalize_serial accepts). The
// store is the authority, so a serial name it does not list goes (a stray file would refuse
// a valid certificate); other names (notes, editor backups) can match no certificate and
// stay. A name longer than kMaxName is never created: no file system stores it, and OpenVPN
// refuses such a certificate anyway (its path buffer holds 256 bytes: "filename overflow").
RevokedDirPlan plan_revoked_dir(const std::vector<std::string>& revoked_hex,
                                const std::vector<std::string>& present);

inline constexpr std::size_t kMaxName = 255;

}  // namespace warden::core

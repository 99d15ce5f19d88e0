// Small string helpers shared by plugin and daemon.
#pragma once

#include <string>
#include <string_view>

namespace warden::text {

// Canonical certificate serial: lowercase hex, no separators, no leading zeros
// ("0A:1b:FF" -> "a1bff"). Returns "" when the input holds anything but hex and ':'.
std::string normalize_serial(std::string_view serial);

// A SHA-256 certificate fingerprint as `openssl x509 -fingerprint -sha256` prints it:
// 32 bytes as uppercase hex pairs joined by ':' ("AB:01:..."), so an admin can compare it
// with what a device shows. Accepts any case, with or without colons (OpenVPN's
// tls_digest_sha256_N is lowercase with colons); "" when it is not 32 bytes of hex.
std::string normalize_fingerprint(std::string_view fingerprint);

bool starts_with(std::string_view s, std::string_view prefix);

// Writes `content` to `path` atomically and durably (temp file in the same folder, fsync,
// rename, fsync of the folder).
// Returns an error text, empty on success.
std::string write_file_atomic(const std::string& path, std::string_view content, unsigned mode);

}  // namespace warden::text

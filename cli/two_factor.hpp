// wardenctl's side of two-factor commands: showing a TOTP secret (URI, terminal QR code,
// optional PNG), one-time codes, and reading a password from a file.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace warden::cli {

// Prints the reply of totp.setup / totp.reset; writes the PNG when `png_path` is set.
// Returns an exit code.
int print_totp_secret(const boost::json::value& reply, bool json_output,
                      const std::string& png_path);

// Prints the reply of otp.issue (the code is shown this once).
int print_one_time_code(const boost::json::value& reply, bool json_output);

// The first line of `path` (without its line break); nullopt and `error` set when the
// file cannot be read.
std::optional<std::string> read_secret_file(const std::string& path, std::string& error);

}  // namespace warden::cli

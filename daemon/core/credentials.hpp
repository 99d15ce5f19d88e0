// What a client sent as its password (SPEC §3): either the code itself, or OpenVPN's
// static-challenge form "SCRV1:" base64(password) ":" base64(response), which a client
// with `static-challenge "..." 1` sends (password typed, then the code from the app).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::core {

struct Credentials {
    std::string password;    // SCRV1: the static password; plain form: the whole password
    std::string code;        // SCRV1: the challenge response; plain form: the whole password
    bool challenge = false;  // true for the SCRV1 form
};

// nullopt when the password claims the SCRV1 form but is malformed (bad base64, missing
// part, NUL or control bytes, longer than 1024 bytes decoded), or is empty.
std::optional<Credentials> parse_credentials(std::string_view password);

}  // namespace warden::core

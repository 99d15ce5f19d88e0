// What the time-restricted-access page (daemon/http) needs from the TR service
// (daemon/tr): look a mailed token up without using it, and confirm it. The page only
// renders what it is given; the service owns tokens, releases, mail and the activity log.
// Both run on wardend's event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace warden::http {

// Unknown covers a guessed token and one whose device is gone: the page must not reveal
// which devices exist. Used and Expired are told apart so a user knows to ask for a new
// mail, but carry no device either.
enum class TokenState { Valid, Used, Expired, Unknown, Released };

struct TokenView {
    TokenState state = TokenState::Unknown;
    // Valid and Released only.
    std::string device;
    std::string effect;      // "access until 17:00 UTC" / "2 h of access from confirming"
    std::int64_t until = 0;  // Released: the release's end (Unix seconds)
    std::string refusal;     // Valid token that cannot release now (outside its window)
};

struct TrPort {
    // Reads only: a GET (and every mail scanner) calls this.
    std::function<TokenView(std::string_view token)> lookup;
    // Uses the token: Released on success; otherwise the same states as lookup.
    // `peer` is the client's address, for the activity log.
    std::function<TokenView(std::string_view token, const std::string& peer)> confirm;
};

}  // namespace warden::http

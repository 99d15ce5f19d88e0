// The pages of the time-restricted-access confirmation (issue 10), rendered as HTML.
// Pure: a page is built from what the TR service answered (TokenView), nothing else.
//
// Every text that is not a literal here is escaped (device names and the service's
// sentences are operator text). The pages are self-contained: one inline <style>, no
// scripts, no images, no fonts, no links to anything but the page itself (the server's
// Content-Security-Policy allows nothing else anyway). Used, expired and unknown tokens
// get pages without a device name, so a guessed token tells nothing about the devices.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/http/request.hpp"
#include "daemon/http/tr_port.hpp"

namespace warden::http {

// & < > " ' as character references.
std::string html_escape(std::string_view text);

// Unix seconds as "2026-12-02 17:00 UTC".
std::string utc_text(std::int64_t unix_seconds);

// The answer to GET /tr/TOKEN: for a Valid token the device, what confirming releases
// and one confirm button (a POST form to the same URL), or the refusal when it cannot be
// released now; otherwise the page of the state. `token` is the request's (checked) token.
HttpResponse tr_lookup_page(const TokenView& view, std::string_view token);

// The answer to POST /tr/TOKEN: "released until ..." or the page of the state.
HttpResponse tr_confirm_page(const TokenView& view);

// The page of a token that is not Valid (Used, Expired, Unknown): no device named.
HttpResponse tr_state_page(TokenState state);

// GET /: what this server is for.
HttpResponse home_page();
// Any other path.
HttpResponse not_found_page();
// Too many token attempts from one address: 429 with Retry-After.
HttpResponse too_many_attempts_page(std::chrono::milliseconds retry_after);

}  // namespace warden::http

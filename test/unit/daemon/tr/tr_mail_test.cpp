// The token mail: names the device, says what confirming releases and until when, carries
// the link (when [http] public_url is set) and the token.
#include <catch2/catch.hpp>

#include "daemon/core/time_text.hpp"
#include "daemon/tr/tr_mail.hpp"

using namespace warden;

namespace {

model::TrSettings window() {
    model::TrSettings s;
    s.mode = model::TrMode::Window;
    s.start = 1764576000;  // 2025-12-01T08:00:00Z
    s.end = 1764608400;    // 2025-12-01T17:00:00Z
    return s;
}

}  // namespace

TEST_CASE("tr mail: window mode names the device, the end, the link and the token") {
    const auto m = tr::token_mail("laptop", window(), "TOKEN32", 1764608400,
                                  "https://vpn.example.net/", tr::Trigger::Attempt);
    CHECK(m.subject == "VPN access for laptop: confirmation needed");
    CHECK(m.body.find("\"laptop\" just tried to connect") != std::string::npos);
    CHECK(m.body.find("releases access until 2025-12-01 17:00 UTC") != std::string::npos);
    CHECK(m.body.find("from 2025-12-01 08:00 UTC until 2025-12-01 17:00 UTC") != std::string::npos);
    CHECK(m.body.find("\n  https://vpn.example.net/tr/TOKEN32\n") != std::string::npos);
    CHECK(m.body.find("\n  TOKEN32\n") != std::string::npos);
}

TEST_CASE("tr mail: duration mode says how long, without public_url no link") {
    auto s = window();
    s.mode = model::TrMode::Duration;
    s.duration = 7200;
    const auto m = tr::token_mail("pc1", s, "TOKEN32", s.end, "", tr::Trigger::Admin);
    CHECK(m.body.find("releases 2h of access from the moment of confirming") != std::string::npos);
    CHECK(m.body.find("an administrator sent you") != std::string::npos);
    CHECK(m.body.find("/tr/") == std::string::npos);
    CHECK(m.body.find("\n  TOKEN32\n") != std::string::npos);
    CHECK(core::iso_utc(1764608400) == "2025-12-01T17:00:00Z");
    CHECK(tr::utc_text(1764608401) == "2025-12-01 17:00:01 UTC");
}

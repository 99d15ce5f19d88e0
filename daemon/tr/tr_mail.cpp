#include "daemon/tr/tr_mail.hpp"

#include <ctime>

#include "daemon/core/duration.hpp"

namespace warden::tr {

std::string utc_text(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[40];
    const char* format = tm.tm_sec == 0 ? "%Y-%m-%d %H:%M UTC" : "%Y-%m-%d %H:%M:%S UTC";
    std::strftime(out, sizeof out, format, &tm);
    return out;
}

std::string release_effect(const model::TrSettings& s) {
    if (s.mode == model::TrMode::Duration)
        return core::format_duration(s.duration) + " of access from the moment of confirming";
    return "access until " + utc_text(s.end);
}

TokenMail token_mail(const std::string& device, const model::TrSettings& settings,
                     const std::string& token, std::int64_t expires_at,
                     const std::string& link_base, Trigger trigger) {
    TokenMail m;
    m.subject = "VPN access for " + device + ": confirmation needed";
    std::string& b = m.body;
    b = "Hello,\n\n";
    if (trigger == Trigger::Attempt)
        b += "the device \"" + device + "\" just tried to connect to the VPN. ";
    else
        b += "an administrator sent you this confirmation for the device \"" + device + "\". ";
    b += "Its access is time-restricted: it connects only after a confirmation.\n\n";
    b += "Confirming releases " + release_effect(settings) + ".\n";
    b += "You can confirm once, from " + utc_text(settings.start) + " until " +
         utc_text(expires_at) + ".\n\n";
    if (!link_base.empty()) {
        std::string base = link_base;
        while (!base.empty() && base.back() == '/') base.pop_back();
        b += "Confirm here:\n  " + base + "/tr/" + token + "\n\n";
        b += "Or give this code to your administrator";
    } else {
        b += "To confirm, give this code to your administrator";
    }
    b += " (wardenctl tr confirm CODE):\n  " + token + "\n\n";
    b += "If you did not expect this mail, ignore it: nothing is released without a "
         "confirmation.\n";
    return m;
}

}  // namespace warden::tr

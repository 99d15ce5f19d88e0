// Time-restricted access (SPEC §4): mails tokens, looks them up and confirms them. The
// settings themselves are written by the `tr` commands (control/commands_tr.cpp); the
// release's end is acted on by app/release_watch. Runs on wardend's event loop.
//
// Tokens: 160 random bits, stored hashed, single use, expiring with the window
// (core::token_expiry). A confirm inside the window / activation window sets the
// device's release (core::confirm_at); every send, confirm and release is in the
// activity log. After a release the service calls `changed` (the daemon reloads the
// verdict index, drops prefetched verdicts and re-arms the release timer).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"
#include "daemon/core/time_restriction.hpp"
#include "daemon/http/tr_port.hpp"
#include "daemon/store/store.hpp"
#include "daemon/tr/tr_mail.hpp"

namespace warden::tr {

// The settings as the pure rules take them.
core::TimeRestriction restriction_of(const model::TrSettings& settings);

class TrService {
  public:
    // Queues one mail: its id, or nullopt with `error` (control::MailOutbox::enqueue).
    using SendMail = std::function<std::optional<std::int64_t>(
        const std::string& kind, const std::string& to, const std::string& subject,
        const std::string& body, std::string& error)>;

    struct Options {
        std::string link_base;               // [http] public_url; "": mails carry no link
        std::int64_t resend_interval = 300;  // [tr] resend_interval
    };

    TrService(store::Store& store, const core::Clock& clock, Options options);

    // Unset: [mail] disabled, every send fails saying so.
    void set_mailer(SendMail send) { send_mail_ = std::move(send); }
    void on_changed(std::function<void()> changed) { changed_ = std::move(changed); }

    struct Sent {
        std::optional<std::int64_t> mail_id;  // set: queued
        std::string error;                    // otherwise: why not
        std::string to;
        std::int64_t expires_at = 0;
    };
    // Mails a new token to the device's address now (an admin's `tr send`: not limited).
    Sent send(const store::Device& device, const std::string& actor, Trigger trigger);

    // A connection attempt of the device was refused for want of a release: mails a token
    // unless one went out less than resend_interval ago. Never throws (it runs posted
    // from the verdict path).
    void attempt_refused(std::int64_t device_id);

    // Reads only: what the token would do (GET of the page, every mail scanner).
    http::TokenView lookup(std::string_view token);
    // Uses the token and releases the device; `actor` is who confirmed, for the log.
    http::TokenView confirm(std::string_view token, const std::string& actor);

    // The binding the confirmation page uses (http/tr_port.hpp).
    http::TrPort port();

  private:
    struct Found {
        http::TokenState state = http::TokenState::Unknown;
        store::TrToken token;
        store::Device device;
        store::TrSettings settings;
    };
    Found find(std::string_view token, std::int64_t now);
    static http::TokenView view_of(const Found& found, std::int64_t now);
    void log_once(std::int64_t device_id, const std::string& message, const std::string& device,
                  const std::string& error);

    store::Store& store_;
    const core::Clock& clock_;
    Options options_;
    SendMail send_mail_;
    std::function<void()> changed_ = [] {};
    // Last warning about a device whose attempt could not mail (no address, mail off):
    // at most one per resend_interval, like the mails.
    std::map<std::int64_t, std::int64_t> warned_at_;
};

}  // namespace warden::tr

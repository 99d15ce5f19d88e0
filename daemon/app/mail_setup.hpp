// Wiring of outgoing mail (issue 10): the [mail] config turned into a running MailQueue
// with a store connection of its own, and the commands' view of it.
#pragma once

#include <memory>
#include <string>

#include "daemon/control/services.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/config.hpp"
#include "daemon/mail/mail_queue.hpp"

namespace warden::app {

// nullptr with `error` set when [mail] cannot work: the password file is missing or
// open to others, or the database cannot be opened a second time. Not started yet.
std::unique_ptr<mail::MailQueue> make_mail_queue(const core::Config& config,
                                                 store::Store& loop_store, const core::Clock& clock,
                                                 std::string& error);

control::MailOutbox mail_outbox(mail::MailQueue& queue);

}  // namespace warden::app

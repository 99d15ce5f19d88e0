// The durable mail queue's worker (issue 10). A message is inserted into the store's
// mail_queue first (enqueue(), on the event loop: one insert); one thread of its own,
// with a store connection of its own, sends due rows with send_mail() and records each
// outcome, so neither SMTP nor its writes ever hold up a verdict or a command. Rows stay
// pending across restarts: a new MailQueue on the same database carries on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/lock_guarded.hpp"
#include "daemon/mail/smtp.hpp"
#include "daemon/store/store.hpp"

namespace warden::mail {

struct MailQueueSettings {
    SmtpSettings smtp;
    std::string from;                  // envelope sender and From:
    std::string from_name = "warden";  // From: display name
    std::int64_t retry_for = 86400;    // seconds from created_at
};

using MailSender = std::function<SendResult(const SmtpSettings&, const std::string& envelope_from,
                                            const std::string& rcpt, const std::string& rendered)>;
using WallClock = std::function<std::int64_t()>;  // Unix seconds

class MailQueue {
  public:
    // `loop_store`: the event loop's connection (enqueue only, on the loop's thread).
    // `worker_store`: the worker's own connection to the same database.
    MailQueue(store::Store& loop_store, std::unique_ptr<store::Store> worker_store,
              MailQueueSettings settings, WallClock clock, MailSender sender = send_mail);
    ~MailQueue();  // stop()
    MailQueue(const MailQueue&) = delete;
    MailQueue& operator=(const MailQueue&) = delete;

    void start();
    // Returns within about a second: an SMTP transaction under way is abandoned (its row
    // stays pending, counted as a failed attempt).
    void stop();

    struct Enqueued {
        std::optional<std::int64_t> id;  // unset: refused
        std::string error;
    };
    // Stores a message for `to` (checked with valid_address) and wakes the worker.
    Enqueued enqueue(std::string_view kind, std::string_view to, std::string_view subject,
                     std::string_view body);
    // Something else changed the queue (e.g. `mail retry`): look again now.
    void wake();

  private:
    void run();
    void send_due();
    void attempt(const store::QueuedMail& mail);
    std::chrono::milliseconds time_to_next_due();

    store::Store& loop_store_;
    std::unique_ptr<store::Store> store_;  // the worker thread's only
    MailQueueSettings settings_;
    WallClock clock_;
    MailSender sender_;
    std::string message_id_domain_;

    // What other threads tell the worker; it sleeps on wake_ until one of these is set.
    struct Signals {
        bool stopping = false;
        bool poked = false;  // the queue changed: look again before sleeping
    };
    LockGuarded<Signals> signals_;
    std::condition_variable wake_;
    std::atomic<bool> cancel_{false};  // settings_.smtp.cancel points here
    std::thread thread_;
};

// The SMTP password from `path` (first line, without its line break). Refuses a file that
// is missing, not a regular file, or readable or writable by others than owner and group
// (error says why; the password never appears in it).
std::optional<std::string> read_password_file(const std::string& path, std::string& error);

}  // namespace warden::mail

#include "daemon/mail/mail_queue.hpp"

#include <sys/stat.h>

#include <fstream>

#include "common/log.hpp"
#include "daemon/mail/message.hpp"
#include "daemon/mail/retry_policy.hpp"

namespace warden::mail {
namespace {

constexpr std::size_t kBatch = 16;  // rows per look at the queue
// Upper bound on one sleep, so a clock step never parks the worker for long.
constexpr std::chrono::milliseconds kMaxSleep{std::chrono::minutes(1)};

std::string domain_of(const std::string& address) {
    const auto at = address.rfind('@');
    return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

}  // namespace

MailQueue::MailQueue(store::Store& loop_store, std::unique_ptr<store::Store> worker_store,
                     MailQueueSettings settings, WallClock clock, MailSender sender)
    : loop_store_(loop_store),
      store_(std::move(worker_store)),
      settings_(std::move(settings)),
      clock_(std::move(clock)),
      sender_(std::move(sender)),
      message_id_domain_(domain_of(settings_.from)) {
    settings_.smtp.cancel = &cancel_;
}

MailQueue::~MailQueue() {
    stop();
}

void MailQueue::start() {
    if (thread_.joinable()) return;
    signals_.lock()->stopping = false;
    cancel_ = false;
    thread_ = std::thread([this] { run(); });
}

void MailQueue::stop() {
    signals_.lock()->stopping = true;
    cancel_ = true;
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void MailQueue::wake() {
    signals_.lock()->poked = true;
    wake_.notify_all();
}

MailQueue::Enqueued MailQueue::enqueue(std::string_view kind, std::string_view to,
                                       std::string_view subject, std::string_view body) {
    std::string why;
    if (!valid_address(to, why)) return {std::nullopt, "invalid address: " + why};
    store::QueuedMail mail;
    mail.created_at = clock_();
    mail.next_attempt_at = mail.created_at;
    mail.kind = kind;
    mail.recipient = to;
    mail.subject = subject;
    mail.body = body;
    loop_store_.enqueue_mail(mail);
    log::info("mail queued",
              {{"id", std::to_string(mail.id)}, {"kind", mail.kind}, {"to", mail.recipient}});
    wake();
    return {mail.id, {}};
}

void MailQueue::run() {
    for (;;) {
        {
            auto signals = signals_.lock();
            if (signals->stopping) return;
            signals->poked = false;
        }
        std::chrono::milliseconds sleep = kMaxSleep;
        try {
            send_due();
            sleep = time_to_next_due();
        } catch (const std::exception& e) {
            // The database is unwell: say so and look again later, never spin.
            log::error("mail queue error", {{"error", e.what()}});
        }
        signals_.lock().wait_for(wake_, sleep,
                                 [](const Signals& s) { return s.stopping || s.poked; });
    }
}

void MailQueue::send_due() {
    for (;;) {
        auto due = store_->due_mail(clock_(), kBatch);
        for (const auto& mail : due) {
            if (signals_.lock()->stopping) return;
            attempt(mail);
        }
        if (due.size() < kBatch) return;
    }
}

std::chrono::milliseconds MailQueue::time_to_next_due() {
    auto next = store_->next_mail_attempt();
    if (!next) return kMaxSleep;
    const std::int64_t wait = *next - clock_();
    if (wait <= 0) return std::chrono::milliseconds(0);
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(wait), kMaxSleep);
}

void MailQueue::attempt(const store::QueuedMail& mail) {
    const std::string id = std::to_string(mail.id);
    MailMessage message{settings_.from, settings_.from_name, mail.recipient,
                        mail.subject,   mail.body,           static_cast<std::uint64_t>(mail.id)};
    std::string error;
    // Date is when the message was queued (its origination time), so Date and
    // Message-ID are the same on every attempt of the row.
    const auto rendered =
        render(message, static_cast<std::time_t>(mail.created_at), message_id_domain_, error);
    if (!rendered) {
        store_->mark_mail_failed(mail.id, "render: " + error);
        log::warn("mail rejected",
                  {{"id", id}, {"kind", mail.kind}, {"to", mail.recipient}, {"error", error}});
        return;
    }
    const SendResult result = sender_(settings_.smtp, settings_.from, mail.recipient, *rendered);
    const std::int64_t now = clock_();
    const auto decision = decide_after_attempt(result.status, mail.attempts, mail.created_at,
                                               settings_.retry_for, now);
    const std::string detail = result.describe();
    switch (decision.action) {
        case AfterAttempt::sent:
            store_->mark_mail_sent(mail.id, now);
            log::info("mail sent", {{"id", id}, {"kind", mail.kind}, {"to", mail.recipient}});
            return;
        case AfterAttempt::retry:
            store_->mark_mail_retry(mail.id, decision.next_attempt_at, detail);
            log::warn("mail delayed",
                      {{"id", id},
                       {"kind", mail.kind},
                       {"to", mail.recipient},
                       {"attempts", std::to_string(mail.attempts + 1)},
                       {"next_in", std::to_string(decision.next_attempt_at - now) + "s"},
                       {"result", detail}});
            return;
        case AfterAttempt::give_up:
            store_->mark_mail_failed(mail.id, detail);
            log::error("mail given up", {{"id", id},
                                         {"kind", mail.kind},
                                         {"to", mail.recipient},
                                         {"attempts", std::to_string(mail.attempts + 1)},
                                         {"result", detail}});
            return;
        case AfterAttempt::reject:
            store_->mark_mail_failed(mail.id, detail);
            log::error(
                "mail rejected",
                {{"id", id}, {"kind", mail.kind}, {"to", mail.recipient}, {"result", detail}});
            return;
    }
}

std::optional<std::string> read_password_file(const std::string& path, std::string& error) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        error = "cannot stat password file " + path;
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = "password file " + path + " is not a regular file";
        return std::nullopt;
    }
    if ((st.st_mode & S_IRWXO) != 0) {
        error = "password file " + path + " is accessible to others (chmod 600 or 640)";
        return std::nullopt;
    }
    std::ifstream in(path);
    std::string password;
    if (!in || !std::getline(in, password)) {
        error = "cannot read password file " + path;
        return std::nullopt;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

}  // namespace warden::mail

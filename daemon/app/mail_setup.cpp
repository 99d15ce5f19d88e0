#include "daemon/app/mail_setup.hpp"

#include "daemon/app/open_store.hpp"

namespace warden::app {

std::unique_ptr<mail::MailQueue> make_mail_queue(const core::Config& config,
                                                 store::Store& loop_store, const core::Clock& clock,
                                                 std::string& error) {
    const core::MailConfig& m = config.mail;
    mail::MailQueueSettings settings;
    settings.smtp.host = m.server;
    settings.smtp.port = static_cast<std::uint16_t>(m.port);
    settings.smtp.security =
        mail::parse_smtp_security(m.security).value_or(mail::SmtpSecurity::starttls);
    settings.smtp.user = m.user;
    settings.smtp.ca_file = m.ca_file;
    settings.smtp.timeout = std::chrono::seconds(m.timeout);
    if (!m.user.empty()) {
        auto password = mail::read_password_file(m.password_file, error);
        if (!password) return nullptr;
        settings.smtp.password = std::move(*password);
    }
    settings.from = m.from;
    settings.retry_for = m.retry_for;
    auto own = open_store(config);
    if (!own.store) {
        error = "cannot open the database for the mail worker: " + own.error;
        return nullptr;
    }
    mail::init_curl_once();  // before any thread: curl_global_init is not thread-safe
    return std::make_unique<mail::MailQueue>(loop_store, std::move(own.store), std::move(settings),
                                             [&clock] { return clock.now(); });
}

control::MailOutbox mail_outbox(mail::MailQueue& queue) {
    control::MailOutbox outbox;
    outbox.enqueue = [&queue](const std::string& kind, const std::string& to,
                              const std::string& subject, const std::string& body,
                              std::string& error) {
        auto result = queue.enqueue(kind, to, subject, body);
        error = result.error;
        return result.id;
    };
    outbox.wake = [&queue] { queue.wake(); };
    return outbox;
}

}  // namespace warden::app

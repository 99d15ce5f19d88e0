// mail.test / mail.queue / mail.retry (issue 10). Commands only touch the queue's rows
// (one insert or update each); the mail worker (mail/mail_queue) does the sending, so a
// mail server that is down never holds up a command. With [mail] disabled every command
// answers an error saying so.
#include <set>

#include "common/log.hpp"
#include "daemon/control/services.hpp"

namespace warden::control {
namespace {

constexpr std::string_view kDisabled =
    "mail is disabled: set [mail] enabled = true in wardend.conf";

json::object mail_to_json(const store::QueuedMail& m) {
    json::object o;
    o["id"] = m.id;
    o["kind"] = m.kind;
    o["to"] = m.recipient;
    o["subject"] = m.subject;
    o["state"] = std::string(store::to_string(m.state));
    o["created"] = iso_time(m.created_at);
    o["attempts"] = m.attempts;
    o["next_attempt"] = m.state == store::MailState::pending
                            ? json::value(iso_time(m.next_attempt_at))
                            : json::value(nullptr);
    o["last_error"] = m.last_error;
    return o;
}

Reply mail_test(const Args& args, const Caller& caller, Services& s) {
    if (!s.mail) return Reply::error(Code::Invalid, std::string(kDisabled));
    const std::string to = args.str("address");
    std::string error;
    const auto id =
        s.mail->enqueue("test", to, "warden test mail",
                        "This is a test mail from wardend, sent with `wardenctl mail test` by " +
                            caller.user + ".\nIf it reached you, outgoing mail works.\n",
                        error);
    if (!id) return Reply::error(Code::Invalid, "address: " + error);
    s.audit(caller, "mail.test", to, "id=" + std::to_string(*id));
    return Reply::ok(json::object{{"id", *id}, {"to", to}});
}

Reply mail_queue(Services& s) {
    if (!s.mail) return Reply::error(Code::Invalid, std::string(kDisabled));
    json::array out;
    for (const auto& m : s.store.list_mail(std::nullopt))
        if (m.state != store::MailState::sent) out.push_back(mail_to_json(m));
    return Reply::ok(out);
}

Reply mail_retry(const Args& args, const Caller& caller, Services& s) {
    if (!s.mail) return Reply::error(Code::Invalid, std::string(kDisabled));
    const bool all = args.flag("all");
    if (all == args.has("id"))
        return Reply::error(Code::Usage, "give either a message id or --all");
    std::optional<std::int64_t> id;
    if (!all) id = args.integer("id");
    const std::size_t revived = s.store.retry_failed_mail(id, s.now());
    if (!all && revived == 0)
        return Reply::error(Code::NotFound, "id: no failed message " + std::to_string(*id) +
                                                " (see `wardenctl mail queue`)");
    s.audit(caller, "mail.retry", all ? "all" : std::to_string(*id),
            "revived=" + std::to_string(revived));
    s.mail->wake();
    return Reply::ok(json::object{{"revived", static_cast<std::int64_t>(revived)}});
}

}  // namespace

void register_mail_commands(Registry& r, Services& s) {
    r.add({"mail.test",
           Access::Write,
           "queue a test mail to ADDRESS; answers its id (see `mail queue`)",
           {{"address", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return mail_test(a, c, s); }});
    r.add({"mail.queue",
           Access::Read,
           "pending and failed mail: attempts, next attempt, last error",
           {},
           [&s](const Args&, const Caller&) { return mail_queue(s); }});
    r.add({"mail.retry",
           Access::Write,
           "send failed mail again now: one message (id) or every one (all)",
           {{"id", ArgType::Integer}, {"all", ArgType::Bool}},
           [&s](const Args& a, const Caller& c) { return mail_retry(a, c, s); }});
}

}  // namespace warden::control

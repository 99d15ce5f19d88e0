// Rows of the outgoing mail queue (schema/008_mail.sql). The Store methods that read and
// write them are declared in store/store.hpp, implemented in store/sqlite_store_mail.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::model {

enum class MailState {
    pending,  // waiting for its next attempt
    sent,     // accepted by the SMTP server
    failed,   // given up (permanent error or retry time over); `mail retry` revives it
};

inline std::string_view to_string(MailState state) {
    switch (state) {
        case MailState::pending:
            return "pending";
        case MailState::sent:
            return "sent";
        case MailState::failed:
            return "failed";
    }
    return "pending";
}

inline std::optional<MailState> parse_mail_state(std::string_view text) {
    if (text == "pending") return MailState::pending;
    if (text == "sent") return MailState::sent;
    if (text == "failed") return MailState::failed;
    return std::nullopt;
}

struct QueuedMail {
    std::int64_t id = 0;
    std::int64_t created_at = 0;
    std::string recipient;  // one addr-spec, checked before it was queued
    std::string subject;
    std::string body;
    std::string kind;  // who queued it: "test", "token", "alert", ...
    int attempts = 0;
    std::int64_t next_attempt_at = 0;
    std::string last_error;  // "" until an attempt failed
    MailState state = MailState::pending;
    std::optional<std::int64_t> sent_at;
};

}  // namespace warden::model

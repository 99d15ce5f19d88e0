// The edge of the plugin protocol on the daemon side: wire messages in, typed requests
// (core/plugin_requests.hpp) out, and typed replies back into wire messages. The only
// daemon code that knows OpenVPN's variable names (common/protocol.hpp's table).
//
// A malformed field (serial that is not hex, address or port that does not parse,
// counter that is not a number, a value longer than its limit) rejects the request here
// with an Error reply naming the field; the plugin treats Error as deny.
#pragma once

#include <optional>
#include <string>

#include "common/wire.hpp"
#include "daemon/core/plugin_requests.hpp"

namespace warden::server {

// Longest value accepted for a field (bytes). OpenVPN's own limits are below these.
inline constexpr std::size_t kMaxFieldBytes = 256;
inline constexpr std::size_t kMaxPasswordBytes = 4096;  // SCRV1: password and code, base64
// Distinguished names (tls_id_N): a vendor's CA may well use long ones.
inline constexpr std::size_t kMaxNameBytes = 1024;

// Why a message could not be decoded: "<field>: <what is wrong>".
struct DecodeError {
    std::string field;
    std::string problem;
    std::string text() const { return field + ": " + problem; }
};

// Each fills `out` from `msg` (instance and id included) or says what is malformed.
std::optional<DecodeError> decode(const wire::Message& msg, const std::string& instance,
                                  core::AuthRequest& out);
std::optional<DecodeError> decode(const wire::Message& msg, const std::string& instance,
                                  core::ConnectRequest& out);
std::optional<DecodeError> decode(const wire::Message& msg, const std::string& instance,
                                  core::DisconnectRequest& out);

// The Verdict frame for a reply to request `id`.
wire::Message encode_verdict(std::uint32_t id, const core::VerdictReply& reply);

// Decodes `msg`, asks `requests`, encodes the answer: the reply to send (Verdict, Error,
// Pong), or nullopt for notifications. Secret fields of `msg` are wiped once decoded.
std::optional<wire::Message> answer(core::PluginRequests& requests, wire::Message& msg,
                                    const std::string& instance);

// Wipes the values of secret fields (common/protocol.hpp) held in `msg`.
void wipe_secrets(wire::Message& msg);

}  // namespace warden::server

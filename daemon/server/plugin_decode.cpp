#include "daemon/server/plugin_decode.hpp"

#include <charconv>
#include <type_traits>

#include "common/endpoint.hpp"
#include "common/log.hpp"
#include "common/protocol.hpp"
#include "common/text.hpp"

namespace warden::server {
namespace env = protocol::env;

static_assert(core::kMaxVerdictPayload == wire::kDefaultMaxFrame,
              "core refuses oversized configs against the plugin socket's frame limit");

namespace {

// A field's value: "" when absent; an error when longer than `limit`.
std::optional<DecodeError> text_field(const wire::Message& msg, std::string_view name,
                                      std::string& out, std::size_t limit = kMaxFieldBytes) {
    const auto value = msg.get(name);
    if (!value) return std::nullopt;
    if (value->size() > limit)
        return DecodeError{std::string(name), "longer than " + std::to_string(limit) + " bytes"};
    out.assign(*value);
    return std::nullopt;
}

// OpenVPN's "AB:C1:23": hex digits and colons only. Absent or empty: no serial (the
// verdict refuses such a client, with its own reason).
std::optional<DecodeError> serial_field(const wire::Message& msg, std::string& out) {
    std::string raw;
    if (auto e = text_field(msg, env::tls_serial, raw)) return e;
    out = text::normalize_serial(raw);
    if (out.empty() && raw.find_first_not_of(":0") != std::string::npos)
        return DecodeError{std::string(env::tls_serial), "not hex"};
    return std::nullopt;
}

// OpenVPN's tls_digest_sha256_0 ("ab:01:..."): absent is allowed (old plugins and tests
// send none; such a client can never be an enrolled one), malformed is not.
std::optional<DecodeError> fingerprint_field(const wire::Message& msg, std::string_view name,
                                             std::string& out) {
    const auto value = msg.get(name);
    if (!value || value->empty()) return std::nullopt;
    out = text::normalize_fingerprint(*value);
    if (out.empty()) return DecodeError{std::string(name), "not a SHA-256 digest"};
    return std::nullopt;
}

// The chain above the client's certificate, nearest first, up to the first gap.
std::optional<DecodeError> chain_fields(const wire::Message& msg, std::vector<std::string>& out) {
    for (auto name : {env::tls_digest_1, env::tls_digest_2, env::tls_digest_3}) {
        std::string digest;
        if (auto e = fingerprint_field(msg, name, digest)) return e;
        if (digest.empty()) break;
        out.push_back(std::move(digest));
    }
    return std::nullopt;
}

// OpenVPN sets untrusted_* before the client is authenticated and trusted_* after; an
// IPv6 client has *_ip6 instead of *_ip (an IPv4 client on a dual-stack socket has *_ip).
std::optional<DecodeError> address_field(const wire::Message& msg, std::string& out) {
    std::string_view ip_name, ip, port_name, port;
    for (auto name : {env::untrusted_ip, env::untrusted_ip6, env::trusted_ip, env::trusted_ip6}) {
        if (auto value = msg.get(name); value && !value->empty()) {
            ip_name = name;
            ip = *value;
            break;
        }
    }
    for (auto name : {env::untrusted_port, env::trusted_port}) {
        if (auto value = msg.get(name); value && !value->empty()) {
            port_name = name;
            port = *value;
            break;
        }
    }
    if (ip.empty()) return DecodeError{std::string(env::untrusted_ip), "missing"};
    if (port.empty()) return DecodeError{std::string(env::untrusted_port), "missing"};
    if (ip.size() > kMaxFieldBytes || port.size() > kMaxFieldBytes)
        return DecodeError{std::string(ip.size() > kMaxFieldBytes ? ip_name : port_name),
                           "longer than " + std::to_string(kMaxFieldBytes) + " bytes"};
    auto endpoint = endpoint::make(ip, port);
    if (!endpoint) {
        // Tell which half is wrong: a port is checked on its own against a known-good address.
        const bool port_ok = endpoint::make("127.0.0.1", port).has_value();
        return port_ok ? DecodeError{std::string(ip_name), "not an IP address"}
                       : DecodeError{std::string(port_name), "not a port"};
    }
    out = std::move(*endpoint);
    return std::nullopt;
}

template <typename Number>
std::optional<DecodeError> number_field(const wire::Message& msg, std::string_view name,
                                        Number& out) {
    const auto value = msg.get(name);
    if (!value) return std::nullopt;  // OpenVPN did not report it: 0
    const char* end = value->data() + value->size();
    const auto [ptr, ec] = std::from_chars(value->data(), end, out);
    bool negative = false;
    if constexpr (std::is_signed_v<Number>) negative = out < 0;
    if (value->empty() || ec != std::errc() || ptr != end || negative)
        return DecodeError{std::string(name), "not a non-negative decimal number"};
    return std::nullopt;
}

// The certificate's notAfter as the plugin read it at TLS verification: absent is unknown
// (an older plugin, a TLS library the plugin cannot read), malformed is refused.
std::optional<DecodeError> not_after_field(const wire::Message& msg,
                                           std::optional<std::int64_t>& out) {
    out.reset();
    if (!msg.get(protocol::field::cert_not_after)) return std::nullopt;
    std::int64_t seconds = 0;
    if (auto e = number_field(msg, protocol::field::cert_not_after, seconds)) return e;
    out = seconds;
    return std::nullopt;
}

std::optional<DecodeError> client_fields(const wire::Message& msg, const std::string& instance,
                                         core::ClientRequest& out) {
    out.id = msg.id;
    out.instance = instance;
    if (auto e = serial_field(msg, out.serial)) return e;
    if (auto e = address_field(msg, out.real_address)) return e;
    if (auto e = fingerprint_field(msg, env::tls_digest, out.fingerprint)) return e;
    if (auto e = chain_fields(msg, out.issuer_fingerprints)) return e;
    if (auto e = not_after_field(msg, out.cert_not_after)) return e;
    for (auto [name, field] : {std::pair{env::common_name, &out.common_name},
                               {env::username, &out.username},
                               {env::session_state, &out.session_state},
                               {env::session_id, &out.session_id},
                               {env::iv_ver, &out.peer_version},
                               {env::iv_plat, &out.peer_platform}}) {
        if (auto e = text_field(msg, name, *field)) return e;
    }
    for (auto [name, field] :
         {std::pair{env::tls_subject, &out.cert_subject}, {env::tls_issuer, &out.cert_issuer}}) {
        if (auto e = text_field(msg, name, *field, kMaxNameBytes)) return e;
    }
    std::string password;
    auto e = text_field(msg, env::password, password, kMaxPasswordBytes);
    out.password = core::SecretString(std::move(password));
    return e;
}

wire::Message error_reply(std::uint32_t id, const std::string& reason) {
    wire::Message err(wire::Type::Error, id);
    err.set(std::string(protocol::field::reason), reason);
    return err;
}

template <typename Request, typename Handle>
wire::Message verdict_for(wire::Message& msg, const std::string& instance, Handle&& handle) {
    Request request;
    const auto error = decode(msg, instance, request);
    wipe_secrets(msg);
    if (error) {
        log::warn("plugin request rejected", {{"instance", instance},
                                              {"type", std::string(wire::type_name(msg.type))},
                                              {"error", error->text()}});
        return error_reply(msg.id, "malformed request: " + error->text());
    }
    return encode_verdict(msg.id, handle(request));
}

}  // namespace

std::optional<DecodeError> decode(const wire::Message& msg, const std::string& instance,
                                  core::AuthRequest& out) {
    return client_fields(msg, instance, out);
}

std::optional<DecodeError> decode(const wire::Message& msg, const std::string& instance,
                                  core::ConnectRequest& out) {
    if (auto e = client_fields(msg, instance, out)) return e;
    const auto prefetched = msg.get(protocol::field::prefetched);
    if (prefetched && *prefetched != "1" && *prefetched != "0")
        return DecodeError{std::string(protocol::field::prefetched), "not 0 or 1"};
    out.admitted_early = prefetched && *prefetched == "1";
    return std::nullopt;
}

std::optional<DecodeError> decode(const wire::Message& msg, const std::string& instance,
                                  core::DisconnectRequest& out) {
    if (auto e = client_fields(msg, instance, out)) return e;
    if (auto e = number_field(msg, env::bytes_received, out.bytes_received)) return e;
    if (auto e = number_field(msg, env::bytes_sent, out.bytes_sent)) return e;
    return number_field(msg, env::time_duration, out.duration);
}

wire::Message encode_verdict(std::uint32_t id, const core::VerdictReply& reply) {
    wire::Message out(wire::Type::Verdict, id);
    out.set(std::string(protocol::field::result),
            std::string(reply.allow ? protocol::kAllow : protocol::kDeny));
    if (!reply.allow) out.set(std::string(protocol::field::reason), reply.reason);
    if (reply.allow && !reply.config.empty())
        out.set(std::string(protocol::field::config), reply.config);
    if (reply.allow && reply.connect_ready) out.set(std::string(protocol::field::prefetched), "1");
    return out;
}

std::optional<wire::Message> answer(core::PluginRequests& requests, wire::Message& msg,
                                    const std::string& instance) {
    switch (msg.type) {
        case wire::Type::Auth:
            return verdict_for<core::AuthRequest>(msg, instance,
                                                  [&](const auto& r) { return requests.auth(r); });
        case wire::Type::Connect: {
            auto reply = verdict_for<core::ConnectRequest>(
                msg, instance, [&](const auto& r) { return requests.connect(r); });
            // Admitted on a prefetched verdict: the plugin waits for no answer.
            if (msg.get_or(protocol::field::prefetched, "") == "1") return std::nullopt;
            return reply;
        }
        case wire::Type::Prefetch:
            return verdict_for<core::ConnectRequest>(
                msg, instance, [&](const auto& r) { return requests.prefetch(r); });
        case wire::Type::Disconnect: {
            core::DisconnectRequest request;
            if (auto error = decode(msg, instance, request)) {
                log::warn(
                    "plugin request rejected",
                    {{"instance", instance}, {"type", "Disconnect"}, {"error", error->text()}});
                return std::nullopt;  // a notification: nobody waits for an answer
            }
            requests.disconnect(request);
            return std::nullopt;
        }
        case wire::Type::Ping:
            return wire::Message(wire::Type::Pong, msg.id);
        case wire::Type::Pong:
            return std::nullopt;
        default:
            return error_reply(msg.id, "unexpected message type");
    }
}

void wipe_secrets(wire::Message& msg) {
    for (auto& [key, value] : msg.fields)
        if (protocol::is_secret(key)) core::wipe(value);
}

}  // namespace warden::server

// What the plugin socket asks of the daemon, as typed values: daemon/server/plugin_decode
// turns each wire message into one of these once (rejecting malformed fields there), so
// nothing below it knows OpenVPN's variable names or the wire format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warden::core {

// A string that is wiped (explicit_bzero) when it changes hands or goes away: the
// client's password. Neither copyable nor printable by accident.
class SecretString {
  public:
    SecretString() = default;
    explicit SecretString(std::string value) : value_(std::move(value)) {}
    SecretString(SecretString&& other) noexcept;
    SecretString& operator=(SecretString&& other) noexcept;
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    ~SecretString();

    std::string_view view() const { return value_; }
    bool empty() const { return value_.empty(); }

  private:
    std::string value_;
};

// Wipes every byte `s` holds (its whole capacity) and empties it.
void wipe(std::string& s);

// What OpenVPN told about a client, for Auth, Connect and Disconnect alike.
struct ClientRequest {
    std::uint32_t id = 0;      // pairs the reply with the request
    std::string instance;      // the OpenVPN instance (plugin Hello)
    std::string serial;        // certificate serial, normalized hex; "": none sent
    std::string common_name;   // certificate CN
    std::string fingerprint;   // SHA-256, text::normalize_fingerprint form; "": none sent
    std::string cert_subject;  // "C=DE, O=Example, CN=name" (OpenVPN's tls_id_0)
    std::string cert_issuer;   // the issuer's subject, same form (tls_id_1)
    std::optional<std::int64_t> cert_not_after;  // Unix seconds; unknown when not sent
    // SHA-256 of the certificates above it in the chain (tls_digest_sha256_1..3), nearest
    // first: which CA it chains to.
    std::vector<std::string> issuer_fingerprints;
    std::string real_address;   // common/endpoint.hpp form: "ip:port", "[ip6]:port"
    std::string username;       // credentials (Auth; "" when none)
    SecretString password;      //
    std::string session_state;  // auth-gen-token state ("" when none)
    std::string session_id;     //
    std::string peer_version;   // IV_VER
    std::string peer_platform;  // IV_PLAT
};

struct AuthRequest : ClientRequest {};
struct ConnectRequest : ClientRequest {
    // The plugin already admitted the client on a prefetched verdict (see
    // PluginRequests::prefetch) and waits for no answer.
    bool admitted_early = false;
};
struct DisconnectRequest : ClientRequest {
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::int64_t duration = 0;  // seconds
};

// The answer to Auth and Connect.
struct VerdictReply {
    bool allow = false;
    std::string reason;  // deny: why (shown to the client, logged)
    std::string config;  // Connect allowed: per-client OpenVPN config lines
    // Auth allowed: `config` is what this client's Connect gets too, so the plugin can
    // answer CLIENT_CONNECT without asking (the Connect still reaches the daemon).
    bool connect_ready = false;
};

// A Verdict frame's payload is this many bytes plus its config (the wire format's fixed
// part and the result and config fields); more than kMaxVerdictPayload cannot be sent.
// plugin_decode_test checks both against common/wire.hpp.
inline constexpr std::size_t kVerdictOverhead = 35;
inline constexpr std::size_t kMaxVerdictPayload = std::size_t{64} * 1024;

class PluginRequests {
  public:
    virtual ~PluginRequests() = default;
    virtual VerdictReply auth(const AuthRequest& request) = 0;
    virtual VerdictReply connect(const ConnectRequest& request) = 0;
    virtual void disconnect(const DisconnectRequest& request) = 0;
    // The verdict a Connect of this client would get now, asked at TLS verification so
    // the plugin can answer CLIENT_CONNECT without a round trip. No effect at all (no
    // session, no log); allow only for a client that needs no credentials.
    virtual VerdictReply prefetch(const ConnectRequest& /*request*/) {
        return {false, "prefetch not supported", {}};
    }
    // Called soon after replies were handed to the socket: work a verdict need not wait
    // for (the logins' writes) is done here.
    virtual void after_replies() {}
};

}  // namespace warden::core

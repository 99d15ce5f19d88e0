// The plugin <-> daemon wire protocol. Shared by the plugin (no Boost) and the daemon.
//
// A frame is a 4-byte big-endian length followed by that many payload bytes:
//
//   payload := version:u8  type:u8  id:u32be  field_count:u16be  field*
//   field   := key_len:u8  key  value_len:u32be  value
//
// `id` pairs a reply with its request (replies may come in any order); messages that
// nobody asked for (daemon pushes, plugin notifications) carry id 0. Keys are short
// ASCII names; values are arbitrary bytes. Unknown keys are ignored by readers, so
// fields can be added without a version bump; the version changes only when the frame
// layout itself changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warden::wire {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 4;              // length prefix
inline constexpr std::size_t kMinPayload = 1 + 1 + 4 + 2;  // version type id count
inline constexpr std::size_t kDefaultMaxFrame = std::size_t{64} * 1024;

enum class Type : std::uint8_t {
    Hello = 1,       // plugin -> daemon, first message: instance, plugin version
    Auth = 2,        // plugin -> daemon request: AUTH_USER_PASS_VERIFY
    Connect = 3,     // plugin -> daemon request: CLIENT_CONNECT
    Disconnect = 4,  // plugin -> daemon notification (id 0): bytes, duration
    Verdict = 5,     // daemon -> plugin reply to Auth/Connect
    Error = 6,       // daemon -> plugin reply to a request it could not handle
    Ping = 7,        // either way; answered with Pong carrying the same id
    Pong = 8,
    Notice = 9,       // daemon -> plugin push (id 0), e.g. "shutting down"
    Report = 10,      // plugin -> daemon notification (id 0): a request deferred, a late verdict
    Prefetch = 11,    // plugin -> daemon request at TLS verification: a connect verdict ahead
    Invalidate = 12,  // daemon -> plugin push (id 0): prefetched verdicts are stale
};

// Returns true for type codes this version understands.
bool is_known_type(std::uint8_t code);
std::string_view type_name(Type type);

struct Message {
    Type type = Type::Ping;
    std::uint32_t id = 0;
    std::vector<std::pair<std::string, std::string>> fields;

    Message() = default;
    Message(Type t, std::uint32_t request_id) : type(t), id(request_id) {}

    Message& set(std::string key, std::string value);
    // First value stored under `key`, if any.
    std::optional<std::string_view> get(std::string_view key) const;
    std::string get_or(std::string_view key, std::string_view fallback) const;
};

// Appends the frame for `msg` to `out`. Returns false (and appends nothing) when a key
// is empty or longer than 255 bytes, or the frame would exceed `max_frame`.
bool encode(const Message& msg, std::string& out, std::size_t max_frame = kDefaultMaxFrame);
// The payload size encode() compares with max_frame (the length prefix not counted).
std::size_t payload_size(const Message& msg);
std::string encode(const Message& msg);

enum class DecodeStatus { Ok, NeedMore, Error };

// Incremental decoder: feed it whatever the socket gave, then call next() until it
// returns NeedMore. After Error the stream is unusable (the peer must be dropped):
// error() says why.
class Decoder {
  public:
    explicit Decoder(std::size_t max_frame = kDefaultMaxFrame) : max_frame_(max_frame) {}

    void feed(const char* data, std::size_t size);
    void feed(std::string_view data) { feed(data.data(), data.size()); }
    DecodeStatus next(Message& out);

    const std::string& error() const { return error_; }
    std::size_t buffered() const { return buffer_.size() - consumed_; }

  private:
    DecodeStatus fail(std::string why);

    std::size_t max_frame_;
    std::string buffer_;
    std::size_t consumed_ = 0;
    std::string error_;
};

// Decodes exactly one payload (without the length prefix). Exposed for tests and fuzzing.
DecodeStatus decode_payload(std::string_view payload, Message& out, std::string& error);

}  // namespace warden::wire

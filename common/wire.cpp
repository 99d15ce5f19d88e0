#include "common/wire.hpp"

#include <cstring>

namespace warden::wire {
namespace {

void put_u8(std::string& out, std::uint8_t v) {
    out.push_back(static_cast<char>(v));
}

void put_u16(std::string& out, std::uint16_t v) {
    put_u8(out, static_cast<std::uint8_t>(v >> 8));
    put_u8(out, static_cast<std::uint8_t>(v));
}

void put_u32(std::string& out, std::uint32_t v) {
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v));
}

// Bounds-checked reader over one payload.
class Reader {
  public:
    explicit Reader(std::string_view data) : data_(data) {}

    bool u8(std::uint8_t& v) {
        if (left() < 1) return false;
        v = static_cast<std::uint8_t>(data_[pos_++]);
        return true;
    }
    bool u16(std::uint16_t& v) {
        std::uint8_t hi = 0, lo = 0;
        if (!u8(hi) || !u8(lo)) return false;
        v = static_cast<std::uint16_t>((hi << 8) | lo);
        return true;
    }
    bool u32(std::uint32_t& v) {
        std::uint16_t hi = 0, lo = 0;
        if (!u16(hi) || !u16(lo)) return false;
        v = (static_cast<std::uint32_t>(hi) << 16) | lo;
        return true;
    }
    bool bytes(std::size_t n, std::string& out) {
        if (left() < n) return false;
        out.assign(data_.substr(pos_, n));
        pos_ += n;
        return true;
    }
    std::size_t left() const { return data_.size() - pos_; }

  private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

std::uint32_t read_be32(const char* p) {
    auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

bool is_known_type(std::uint8_t code) {
    return code >= static_cast<std::uint8_t>(Type::Hello) &&
           code <= static_cast<std::uint8_t>(Type::Invalidate);
}

std::string_view type_name(Type type) {
    switch (type) {
        case Type::Hello:
            return "hello";
        case Type::Auth:
            return "auth";
        case Type::Connect:
            return "connect";
        case Type::Disconnect:
            return "disconnect";
        case Type::Verdict:
            return "verdict";
        case Type::Error:
            return "error";
        case Type::Ping:
            return "ping";
        case Type::Pong:
            return "pong";
        case Type::Notice:
            return "notice";
        case Type::Report:
            return "report";
        case Type::Prefetch:
            return "prefetch";
        case Type::Invalidate:
            return "invalidate";
    }
    return "unknown";
}

Message& Message::set(std::string key, std::string value) {
    fields.emplace_back(std::move(key), std::move(value));
    return *this;
}

std::optional<std::string_view> Message::get(std::string_view key) const {
    for (const auto& [k, v] : fields) {
        if (k == key) return std::string_view(v);
    }
    return std::nullopt;
}

std::string Message::get_or(std::string_view key, std::string_view fallback) const {
    return std::string(get(key).value_or(fallback));
}

std::size_t payload_size(const Message& msg) {
    std::size_t payload = kMinPayload;
    for (const auto& [k, v] : msg.fields) payload += 1 + k.size() + 4 + v.size();
    return payload;
}

bool encode(const Message& msg, std::string& out, std::size_t max_frame) {
    if (msg.fields.size() > 0xffff) return false;
    std::size_t payload = kMinPayload;
    for (const auto& [k, v] : msg.fields) {
        if (k.empty() || k.size() > 0xff || v.size() > 0xffffffffU) return false;
        payload += 1 + k.size() + 4 + v.size();
    }
    if (payload > max_frame) return false;

    out.reserve(out.size() + kHeaderSize + payload);
    put_u32(out, static_cast<std::uint32_t>(payload));
    put_u8(out, kVersion);
    put_u8(out, static_cast<std::uint8_t>(msg.type));
    put_u32(out, msg.id);
    put_u16(out, static_cast<std::uint16_t>(msg.fields.size()));
    for (const auto& [k, v] : msg.fields) {
        put_u8(out, static_cast<std::uint8_t>(k.size()));
        out.append(k);
        put_u32(out, static_cast<std::uint32_t>(v.size()));
        out.append(v);
    }
    return true;
}

std::string encode(const Message& msg) {
    std::string out;
    encode(msg, out);
    return out;
}

DecodeStatus decode_payload(std::string_view payload, Message& out, std::string& error) {
    Reader r(payload);
    std::uint8_t version = 0, type = 0;
    std::uint32_t id = 0;
    std::uint16_t count = 0;
    if (!r.u8(version) || !r.u8(type) || !r.u32(id) || !r.u16(count)) {
        error = "truncated header";
        return DecodeStatus::Error;
    }
    if (version != kVersion) {
        error = "unsupported version " + std::to_string(version);
        return DecodeStatus::Error;
    }
    if (!is_known_type(type)) {
        error = "unknown message type " + std::to_string(type);
        return DecodeStatus::Error;
    }
    Message msg(static_cast<Type>(type), id);
    msg.fields.reserve(count);
    for (std::uint16_t i = 0; i < count; ++i) {
        std::uint8_t klen = 0;
        std::uint32_t vlen = 0;
        std::string key, value;
        if (!r.u8(klen) || klen == 0 || !r.bytes(klen, key) || !r.u32(vlen) ||
            !r.bytes(vlen, value)) {
            error = "malformed field " + std::to_string(i);
            return DecodeStatus::Error;
        }
        msg.fields.emplace_back(std::move(key), std::move(value));
    }
    if (r.left() != 0) {
        error = "trailing bytes after fields";
        return DecodeStatus::Error;
    }
    out = std::move(msg);
    return DecodeStatus::Ok;
}

void Decoder::feed(const char* data, std::size_t size) {
    if (!error_.empty() || size == 0) return;
    // Drop what was consumed before growing, so the buffer stays bounded by one frame.
    if (consumed_ > 0 && consumed_ >= buffer_.size() / 2) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    buffer_.append(data, size);
}

DecodeStatus Decoder::fail(std::string why) {
    error_ = std::move(why);
    buffer_.clear();
    consumed_ = 0;
    return DecodeStatus::Error;
}

DecodeStatus Decoder::next(Message& out) {
    if (!error_.empty()) return DecodeStatus::Error;
    if (buffered() < kHeaderSize) return DecodeStatus::NeedMore;
    const std::uint32_t length = read_be32(buffer_.data() + consumed_);
    if (length < kMinPayload) return fail("frame too short");
    if (length > max_frame_) return fail("frame too large: " + std::to_string(length));
    if (buffered() < kHeaderSize + length) return DecodeStatus::NeedMore;

    std::string_view payload(buffer_.data() + consumed_ + kHeaderSize, length);
    std::string why;
    if (decode_payload(payload, out, why) != DecodeStatus::Ok) return fail(std::move(why));
    consumed_ += kHeaderSize + length;
    if (consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = 0;
    }
    return DecodeStatus::Ok;
}

}  // namespace warden::wire

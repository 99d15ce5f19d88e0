#include <catch2/catch.hpp>

#include <random>

#include "common/wire.hpp"

using namespace warden::wire;

namespace {

Message sample(std::uint32_t id) {
    Message m(Type::Auth, id);
    m.set("common_name", "dev-1").set("password", std::string("a\0b", 3)).set("empty", "");
    return m;
}

// Feeds `bytes` to a decoder `chunk` bytes at a time and collects every message.
std::vector<Message> decode_in_chunks(const std::string& bytes, std::size_t chunk) {
    Decoder d;
    std::vector<Message> out;
    for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
        d.feed(bytes.data() + pos, std::min(chunk, bytes.size() - pos));
        Message m;
        DecodeStatus st;
        while ((st = d.next(m)) == DecodeStatus::Ok) out.push_back(m);
        REQUIRE(st == DecodeStatus::NeedMore);
    }
    REQUIRE(d.buffered() == 0);
    return out;
}

std::string frame_with_payload(const std::string& payload) {
    std::string f;
    const auto n = static_cast<std::uint32_t>(payload.size());
    f.push_back(static_cast<char>(n >> 24));
    f.push_back(static_cast<char>(n >> 16));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n));
    return f + payload;
}

}  // namespace

TEST_CASE("a message survives encode and decode with every chunk size") {
    std::string stream;
    for (std::uint32_t id = 1; id <= 3; ++id) REQUIRE(encode(sample(id), stream));
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u}) {
        auto msgs = decode_in_chunks(stream, chunk);
        REQUIRE(msgs.size() == 3);
        for (std::uint32_t i = 0; i < 3; ++i) {
            CHECK(msgs[i].type == Type::Auth);
            CHECK(msgs[i].id == i + 1);
            CHECK(msgs[i].get("common_name") == "dev-1");
            CHECK(msgs[i].get("password")->size() == 3);
            CHECK(msgs[i].get("empty") == "");
            CHECK_FALSE(msgs[i].get("missing").has_value());
        }
    }
}

TEST_CASE("ids pair replies with requests out of order") {
    std::string stream;
    encode(Message(Type::Verdict, 42).set("result", "allow"), stream);
    encode(Message(Type::Notice, 0).set("text", "hello"), stream);
    encode(Message(Type::Verdict, 7).set("result", "deny"), stream);
    auto msgs = decode_in_chunks(stream, 5);
    REQUIRE(msgs.size() == 3);
    CHECK(msgs[0].id == 42);
    CHECK(msgs[1].type == Type::Notice);
    CHECK(msgs[1].id == 0);
    CHECK(msgs[2].get_or("result", "") == "deny");
}

TEST_CASE("encode refuses bad keys and oversized frames") {
    std::string out;
    CHECK_FALSE(encode(Message(Type::Auth, 1).set("", "x"), out));
    CHECK_FALSE(encode(Message(Type::Auth, 1).set(std::string(256, 'k'), "x"), out));
    CHECK_FALSE(encode(Message(Type::Auth, 1).set("k", std::string(100, 'x')), out, 64));
    CHECK(out.empty());
}

TEST_CASE("malformed frames are errors, never crashes") {
    auto status_of = [](const std::string& bytes) {
        Decoder d(1024);
        d.feed(bytes);
        Message m;
        return d.next(m);
    };
    const std::string good = encode(sample(1));
    SECTION("too short a frame") {
        CHECK(status_of(frame_with_payload("abc")) == DecodeStatus::Error);
    }
    SECTION("too large a frame") {
        CHECK(status_of(std::string("\x7f\xff\xff\xff", 4)) == DecodeStatus::Error);
    }
    SECTION("wrong version") {
        std::string bad = good;
        bad[4] = 9;
        CHECK(status_of(bad) == DecodeStatus::Error);
    }
    SECTION("unknown type") {
        std::string bad = good;
        bad[5] = static_cast<char>(200);
        CHECK(status_of(bad) == DecodeStatus::Error);
    }
    SECTION("field count larger than the fields present") {
        std::string payload = good.substr(4);
        payload[7] = 9;
        CHECK(status_of(frame_with_payload(payload)) == DecodeStatus::Error);
    }
    SECTION("trailing bytes") {
        CHECK(status_of(frame_with_payload(good.substr(4) + "x")) == DecodeStatus::Error);
    }
    SECTION("zero-length key") {
        Message m(Type::Ping, 1);
        std::string payload = encode(m).substr(4);
        payload[7] = 1;  // one field
        payload += std::string("\0\0\0\0\0", 5);
        CHECK(status_of(frame_with_payload(payload)) == DecodeStatus::Error);
    }
    SECTION("a decoder stays failed") {
        Decoder d;
        d.feed(frame_with_payload("abc"));
        Message m;
        CHECK(d.next(m) == DecodeStatus::Error);
        d.feed(good);
        CHECK(d.next(m) == DecodeStatus::Error);
        CHECK_FALSE(d.error().empty());
    }
}

TEST_CASE("random garbage never crashes the decoder") {
    std::mt19937 rng(1234);
    for (int round = 0; round < 2000; ++round) {
        std::string bytes = encode(sample(static_cast<std::uint32_t>(round)));
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        Decoder d(4096);
        d.feed(bytes);
        Message m;
        while (d.next(m) == DecodeStatus::Ok) {
        }
    }
    SUCCEED("no crash");
}

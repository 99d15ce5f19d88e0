// Feeds arbitrary bytes to the wire decoder in two pieces; every decoded message must
// re-encode to a frame that decodes to the same thing.
#include <cstddef>
#include <cstdint>

#include "common/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace warden::wire;
    const char* bytes = reinterpret_cast<const char*>(data);
    const std::size_t split = size > 0 ? data[0] % (size + 1) : 0;
    Decoder decoder(4096);
    decoder.feed(bytes, split);
    decoder.feed(bytes + split, size - split);
    Message msg;
    while (decoder.next(msg) == DecodeStatus::Ok) {
        std::string again;
        if (!encode(msg, again, 4096)) __builtin_trap();
        Decoder check(4096);
        check.feed(again);
        Message back;
        if (check.next(back) != DecodeStatus::Ok || back.fields != msg.fields || back.id != msg.id)
            __builtin_trap();
    }
    return 0;
}

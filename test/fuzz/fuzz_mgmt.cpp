// Arbitrary bytes from a "management server": line splitting (in pieces whose sizes
// the input also chooses), classification, response assembly and `status 3` parsing.
// None of it may crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/mgmt/parser.hpp"

using namespace warden::mgmt;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the read size (1..256), like a peer's arbitrary write sizes.
    const std::size_t piece = std::size_t(data[0]) + 1;
    std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

    LineSplitter splitter(512);  // small limits so the fuzzer reaches them
    ResponseReader reader(4096);
    for (std::size_t pos = 0; pos < bytes.size(); pos += piece) {
        for (const auto& line : splitter.feed(bytes.substr(pos, piece))) {
            auto l = classify(line);
            if (auto log = parse_log_line(line); log && log->text.size() > line.size())
                __builtin_trap();
            if (l.kind == LineKind::Notification) continue;
            if (auto r = reader.push(line)) {
                auto status = parse_status3(r->lines, "fuzz");
                for (const auto& s : status.sessions) (void)is_ipv4_endpoint(s.real_address);
            }
        }
        if (splitter.partial().size() > 512) __builtin_trap();
    }
    return 0;
}

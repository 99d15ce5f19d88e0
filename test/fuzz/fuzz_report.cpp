// Feeds arbitrary bytes to the wire decoder and every decoded message to the plugin
// Report decoder (server/plugin_report.cpp): it must either refuse it, naming a field,
// or return values inside the documented bounds.
#include <cstddef>
#include <cstdint>

#include "common/wire.hpp"
#include "daemon/server/plugin_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace warden;
    wire::Decoder decoder(4096);
    decoder.feed(reinterpret_cast<const char*>(data), size);
    wire::Message msg;
    while (decoder.next(msg) == wire::DecodeStatus::Ok) {
        std::string error;
        const auto report = server::decode_report(msg, error);
        if (!report) {
            if (error.empty()) __builtin_trap();
            continue;
        }
        const double day = 24.0 * 3600 * 1000;
        if (!(report->waited_ms >= 0 && report->waited_ms <= day)) __builtin_trap();
        if (!(report->late_ms >= 0 && report->late_ms <= day)) __builtin_trap();
        if (report->common_name.size() > 256) __builtin_trap();
    }
    return 0;
}

// Arbitrary plugin messages through the daemon's edge decoder: a typed request or an
// error naming a field, never a crash; a decoded address is canonical; a Connect is
// admitted early (prefetched) only when it says exactly "1"; a certificate's not-after is
// known only when sent and never negative.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/endpoint.hpp"
#include "daemon/server/plugin_decode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace warden;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    wire::Message msg;
    std::string error;
    if (wire::decode_payload(input, msg, error) != wire::DecodeStatus::Ok) return 0;
    core::DisconnectRequest request;
    if (auto e = server::decode(msg, "fuzz", request)) {
        if (e->field.empty()) __builtin_trap();
        return 0;
    }
    if (endpoint::normalize(request.real_address) != request.real_address) __builtin_trap();
    if (request.common_name.size() > server::kMaxFieldBytes) __builtin_trap();
    // The certificate's not-after: known exactly when sent, never negative.
    if (request.cert_not_after.has_value() != msg.get("cert_not_after").has_value())
        __builtin_trap();
    if (request.cert_not_after && *request.cert_not_after < 0) __builtin_trap();
    // A Connect also reads the prefetched flag: admitted early only on an exact "1".
    core::ConnectRequest connect;
    if (server::decode(msg, "fuzz", connect)) return 0;
    if (connect.admitted_early != (msg.get_or("prefetched", "") == "1")) __builtin_trap();
    return 0;
}

// "May this client connect, and with what configuration?" as a pure function of the
// stored state and the time. No sockets, no clocks, no OpenVPN: see decision_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

struct VpnPool {
    net::Network network;  // e.g. 10.8.0.0/24; the server holds the first host address
    std::uint32_t server_ip;
};

struct Verdict {
    bool allow = false;
    std::string reason;  // why it was refused (empty when allowed)
    std::string config;  // per-client OpenVPN config lines (connect only)
    std::optional<store::Device> device;
};

// `serial` is the client certificate's serial as OpenVPN reports it (any case, colons).
// `binding` is what the store holds for that serial (nullopt: unknown certificate), with
// the device's license seat: a device without a valid one is refused with "no license".
// A time-restricted device without a current release is refused with kNotReleased.
Verdict decide(std::string_view serial, const std::optional<store::CertBinding>& binding,
               const VpnPool& pool, std::int64_t now, bool with_config);

// The per-client config for an admitted device.
std::string client_config(const store::Device& device, const VpnPool& pool);

}  // namespace warden::core

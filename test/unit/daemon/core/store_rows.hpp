// Rows the login tests start from, written straight into a store.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "daemon/store/store.hpp"

namespace warden::testing {

// A pc (default group) with one live certificate; returns the device's id.
inline std::int64_t add_device_with_cert(store::Store& store, const std::string& name,
                                         const std::string& serial, std::uint32_t vpn_ip) {
    store::Device d;
    d.name = name;
    d.vpn_ip = vpn_ip;
    REQUIRE(store.add_device(d).ok());
    store::Certificate c;
    c.serial = serial;
    c.device_id = d.id;
    c.common_name = name;
    c.fingerprint = "00";
    c.not_after = 4000000000;
    c.cert_pem = "x";
    REQUIRE(store.add_certificate(c).ok());
    return d.id;
}

}  // namespace warden::testing

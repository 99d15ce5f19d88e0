#include <catch2/catch.hpp>

#include "daemon/core/service_state.hpp"

using namespace warden::core;

TEST_CASE("STATUS= counts devices and sessions, singular for one") {
    CHECK(service_status(0, 0) == "0 devices, 0 sessions");
    CHECK(service_status(1, 1) == "1 device, 1 session");
    CHECK(service_status(12, 3) == "12 devices, 3 sessions");
    CHECK(service_status(2, 0, "config reload failed: line 3: x") ==
          "2 devices, 0 sessions; config reload failed: line 3: x");
}

TEST_CASE("the watchdog is pinged at half of WATCHDOG_USEC, never when it is off") {
    CHECK(watchdog_ping_interval(30'000'000).count() == 15'000'000);
    CHECK(watchdog_ping_interval(1'000'001).count() == 500'000);
    CHECK(watchdog_ping_interval(0).count() == 0);
}

TEST_CASE("RELOADING=1 carries the monotonic time systemd 253+ asks for") {
    CHECK(reloading_message(123456) == "RELOADING=1\nMONOTONIC_USEC=123456");
}

#include "daemon/core/service_state.hpp"

namespace warden::core {
namespace {

std::string counted(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string service_status(std::size_t devices, std::size_t sessions, const std::string& note) {
    std::string text =
        counted(devices, "device", "devices") + ", " + counted(sessions, "session", "sessions");
    if (!note.empty()) text += "; " + note;
    return text;
}

std::chrono::microseconds watchdog_ping_interval(std::uint64_t watchdog_usec) {
    return std::chrono::microseconds(watchdog_usec / 2);
}

std::string reloading_message(std::uint64_t monotonic_usec) {
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec);
}

}  // namespace warden::core

// Arbitrary bytes as the settable fields of a device (device add / edit / copy): one
// field per line in DeviceFields order, a missing line leaves that field absent. The
// pure validation must answer with a result, never crash, and a refusal must name a
// field.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/core/device_input.hpp"

using namespace warden;

namespace {

std::vector<store::Device> stored_devices() {
    store::Device r1;
    r1.id = 1;
    r1.name = "r1";
    r1.type = store::DeviceType::Router;
    r1.network = "192.168.1.0/24";
    store::Device nm1 = r1;
    nm1.id = 2;
    nm1.name = "nm1";
    nm1.network = "10.20.0.0/24";
    nm1.addressing = store::Addressing::Netmap;
    nm1.local_network = "192.168.0.0/24";
    return {r1, nm1};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<store::Device> devices = stored_devices();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    core::DeviceFields f;
    std::optional<std::string>* slots[] = {&f.name,    &f.type,   &f.group, &f.serial,      &f.code,
                                           &f.network, &f.netmap, &f.email, &f.key_password};
    for (auto* slot : slots) {
        if (input.empty()) break;
        const auto end = input.find('\n');
        *slot = std::string(input.substr(0, end));
        input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    }
    if (!input.empty()) f.monitor = input.front() & 1;
    const core::DeviceContext context{*net::parse_network("10.8.0.0/24"), devices,
                                      [](std::string_view g) { return g == "default"; }};
    core::DeviceDraft draft;
    if (size > 0 && data[0] & 0x80) draft.device = devices[1];  // as an edit of nm1
    if (auto problem = core::apply_device_fields(f, context, draft)) {
        if (problem->find(": ") == std::string::npos) std::abort();
    }
    return 0;
}

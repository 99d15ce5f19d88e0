// Arbitrary bytes as an admin request line: parse + validation + dispatch must answer
// with a reply, never crash. The commands are stand-ins with the same argument specs
// as real ones, so validation is exercised without a daemon behind it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/control/registry.hpp"

using namespace warden::control;

namespace {

Registry make_registry() {
    Registry r;
    auto ok = [](const Args& a, const Caller&) { return Reply::ok(json::value(a.str("name"))); };
    r.add({"device.add",
           Access::Write,
           "",
           {{"name", ArgType::String, true},
            {"type", ArgType::String, true},
            {"monitor", ArgType::Bool},
            {"seats", ArgType::Integer}},
           ok});
    r.add({"status", Access::Read, "", {}, ok});
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Registry registry = make_registry();
    Caller caller;
    caller.may_read = caller.may_write = (size % 2) == 0;
    const Reply reply =
        registry.dispatch_line(std::string_view(reinterpret_cast<const char*>(data), size), caller);
    (void)json::serialize(reply.to_json());
    return 0;
}

// Rule records for the firewall tests.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/store/store.hpp"

namespace warden::testing {

inline store::Rule rule(std::int64_t id, const std::string& from, const std::string& to,
                        const std::string& proto = {}, const std::string& ports = {},
                        bool both = false) {
    store::Rule r;
    r.id = id;
    r.from_group = from;
    r.to_group = to;
    r.proto = proto;
    r.ports = ports;
    r.both = both;
    return r;
}

}  // namespace warden::testing

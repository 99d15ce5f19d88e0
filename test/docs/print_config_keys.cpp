// Prints every key wardend.conf may hold, one a line ("vpn.remote"), as the parser itself
// lists them (core::config_keys): docs_config_keys compares wardend.conf(5) with it.
#include <iostream>

#include "daemon/core/config.hpp"

int main() {
    for (const auto& key : warden::core::config_keys()) std::cout << key << '\n';
}

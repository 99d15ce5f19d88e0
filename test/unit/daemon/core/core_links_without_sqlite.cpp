// Built with every object of warden_core (whole archive) and without SQLite: that it links
// at all is the check (test/unit/daemon/core/CMakeLists.txt). Running it only reports so.
#include <cstdio>

#include "daemon/model/records.hpp"

int main() {
    std::printf("warden_core links without SQLite (%s)\n",
                warden::model::to_string(warden::model::DeviceState::Online).data());
    return 0;
}

#include "daemon/control/token_logins.hpp"

namespace warden::control {

store::Outcome commit_ending_token_logins(Services& s, std::int64_t device_id,
                                          const std::function<store::Outcome()>& change) {
    store::Outcome out;
    s.store.transaction([&] {
        out = change();
        if (out.ok()) s.store.drop_token_sessions(device_id);
    });
    return out;
}

void end_token_logins(Services& s, std::int64_t device_id) {
    commit_ending_token_logins(s, device_id, [] { return store::Outcome{}; });
}

}  // namespace warden::control

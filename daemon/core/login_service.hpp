// The I/O side of two-factor logins: loads what the store knows about a device, asks the
// pure evaluate_login(), writes back the effects (replay guard, used one-time code,
// failure count and lock, verified token session) in one transaction, and writes the
// security events to the activity log.
//
// Certificate-only clients (no username and password) pass AUTH in the plugin without a
// round trip, so CONNECT must not trust that AUTH checked anything: an AUTH that passed a
// device's credentials is remembered per (instance, client address, certificate) and
// CONNECT of a device that needs credentials is refused unless it finds that record.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "daemon/core/decision.hpp"
#include "daemon/core/login.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/core/verdict_index.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

class LoginService {
  public:
    // Who needs credentials comes from `index` (kept current by AuthService::refresh);
    // the login state, TOTP and one-time codes of those who do are read from the store.
    LoginService(store::Store& store, const VerdictIndex& index, LoginPolicy policy);

    // AUTH of a client whose certificate `v` admitted: refuses it unless its credentials
    // pass (devices that need none pass as they are).
    Verdict check_auth(const AuthRequest& request, Verdict v, std::int64_t now);
    // CONNECT: refuses a device that needs credentials when this connection's AUTH did
    // not check them.
    Verdict check_connect(const ConnectRequest& request, Verdict v, std::int64_t now);
    // The client at `address` is gone.
    void forget(const std::string& instance, const std::string& address);

    const LoginPolicy& policy() const { return policy_; }

  private:
    struct Checked {
        std::int64_t device_id = 0;
        std::string serial;
        std::int64_t at = 0;
    };
    using Key = std::pair<std::string, std::string>;  // instance, client address

    LoginFacts load(const store::Device& device, std::string_view session_id);
    // Writes the outcome's effects; false when the replay guard or the one-time code was
    // taken by a concurrent login (nothing else is written then).
    bool apply(const store::Device& device, const LoginOutcome& outcome,
               std::string_view session_id, std::int64_t now);
    void audit(const store::Device& device, const LoginOutcome& outcome, std::int64_t now);
    void remember(Key key, Checked checked, std::int64_t now);

    static constexpr std::int64_t kCheckedSeconds = 120;  // AUTH -> CONNECT takes ms
    static constexpr std::size_t kMaxChecked = 10000;

    store::Store& store_;
    const VerdictIndex& index_;
    LoginPolicy policy_;
    std::map<Key, Checked> checked_;
};

}  // namespace warden::core

// The I/O side of two-factor logins: loads what the store knows about a device, asks the
// pure evaluate_login(), writes back the effects (replay guard, used one-time code,
// failure count and lock, verified token session) in one transaction, and writes the
// security events to the activity log.
//
// Writes after the reply (write_after_reply(), the daemon's mode): a verdict does not
// wait for its writes. The TOTP step is marked used in memory at once (ReplayGuard), the
// rest is kept in `pending_` and written by persist() right after the replies went out
// (one transaction for all of them, without an fsync: a lost step is covered by the
// guard's crash rule, a lost token session or failure count fails closed or costs an
// attempt). Reads stay fresh: a login of a device (or session) with writes still
// pending persists them first. A one-time code is always written before the verdict,
// durably: a code must never work twice, not even across a power loss.
// Static passwords are checked through a PasswordCache: only the first login after a
// start pays the slow hash.
//
// Certificate-only clients (no username and password) pass AUTH in the plugin without a
// round trip, so CONNECT must not trust that AUTH checked anything: an AUTH that passed a
// device's credentials is remembered per (instance, client address, certificate) and
// CONNECT of a device that needs credentials is refused unless it finds that record.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/decision.hpp"
#include "daemon/core/login.hpp"
#include "daemon/core/password_cache.hpp"
#include "daemon/core/plugin_requests.hpp"
#include "daemon/core/replay_guard.hpp"
#include "daemon/core/verdict_index.hpp"
#include "daemon/store/store.hpp"

namespace warden::core {

// Failed logins that counted toward a lock, and the locks they set, since start
// (Prometheus metrics).
struct LoginCounts {
    std::uint64_t failures = 0;
    std::uint64_t locks = 0;
};

class LoginService {
  public:
    // Who needs credentials comes from `index` (kept current by AuthService::refresh);
    // the login state, TOTP and one-time codes of those who do are read from the store.
    // `slow_verifier`: the static password check behind the cache (tests inject one).
    LoginService(store::Store& store, const VerdictIndex& index, LoginPolicy policy,
                 PasswordCache::SlowVerifier slow_verifier = {});

    // From now on writes wait for persist(); `started_at` arms the guard's crash rule.
    // `shared_store`: other nodes log in against the same database, so a TOTP step is
    // still taken there (a conditional update) before the verdict, as a one-time code is.
    void write_after_reply(std::int64_t started_at, bool shared_store = false);
    // Writes what the verdicts since the last call left pending (no-op when nothing is).
    void persist();
    bool has_pending_writes() const { return !pending_.empty(); }

    // AUTH of a client whose certificate `v` admitted: refuses it unless its credentials
    // pass (devices that need none pass as they are).
    Verdict check_auth(const AuthRequest& request, Verdict v, std::int64_t now);
    // CONNECT: refuses a device that needs credentials when this connection's AUTH did
    // not check them.
    Verdict check_connect(const ConnectRequest& request, Verdict v, std::int64_t now);
    // The client at `address` is gone.
    void forget(const std::string& instance, const std::string& address);

    const LoginPolicy& policy() const { return policy_; }
    const LoginCounts& counts() const { return counts_; }

  private:
    struct Checked {
        std::int64_t device_id = 0;
        std::string serial;
        std::int64_t at = 0;
    };
    using Key = std::pair<std::string, std::string>;  // instance, client address

    // A verdict's effects not yet written.
    struct PendingWrite {
        store::Device device;
        LoginOutcome outcome;
        std::string session_id;
        std::int64_t now = 0;
    };

    LoginFacts load(const store::Device& device, std::string_view session_id, std::int64_t now);
    // Writes the outcome's effects (now or, after write_after_reply(), in persist()); false
    // when the replay guard or the one-time code was taken by a concurrent login (nothing
    // else is written then).
    bool apply(const store::Device& device, const LoginOutcome& outcome,
               std::string_view session_id, std::int64_t now);
    void write(const PendingWrite& w);  // inside a transaction
    void audit(const store::Device& device, const LoginOutcome& outcome, std::int64_t now);
    void remember(Key key, Checked checked, std::int64_t now);

    static constexpr std::int64_t kCheckedSeconds = 120;  // AUTH -> CONNECT takes ms
    static constexpr std::size_t kMaxChecked = 10000;

    store::Store& store_;
    const VerdictIndex& index_;
    LoginPolicy policy_;
    std::map<Key, Checked> checked_;
    PasswordCache passwords_;
    std::optional<ReplayGuard> guard_;  // set by write_after_reply()
    bool shared_store_ = false;
    std::vector<PendingWrite> pending_;
    LoginCounts counts_;
};

}  // namespace warden::core

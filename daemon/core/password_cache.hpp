// Remembers which static passwords verified, so only the first login after a start pays
// the slow hash (yescrypt, ~50 ms of the event loop during which no verdict is given).
//
// Per stored password hash (each is salted, so it names one device's current password):
// HMAC-SHA256(key, password) of the password that last verified against it. The key is
// 32 random bytes drawn at construction (per daemon start), held only in this process
// and never written anywhere. A password change stores a new hash, so the old entry
// matches nothing from then on; a wrong password never gets an entry. Comparisons are in
// constant time. Both key and entries are wiped when the cache goes.
//
// Trade-off: someone who can read wardend's memory can test guesses against an entry at
// HMAC speed; the same reader already sees passwords arrive in the clear.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace warden::core {

class PasswordCache {
  public:
    using SlowVerifier = std::function<bool(std::string_view password, std::string_view hash)>;
    static constexpr std::size_t kMaxEntries = 100000;

    // `slow`: the real check (secrets::verify_password unless a test injects one).
    explicit PasswordCache(SlowVerifier slow = {});
    ~PasswordCache();
    PasswordCache(const PasswordCache&) = delete;
    PasswordCache& operator=(const PasswordCache&) = delete;

    // True when `password` matches `hash`: from the cache when this password verified
    // against this hash before, else through the slow verifier (remembered when true).
    bool verify(std::string_view password, std::string_view hash);

    void clear();
    std::size_t size() const { return entries_.size(); }

  private:
    using Mac = std::array<unsigned char, 32>;
    Mac mac_of(std::string_view password) const;

    SlowVerifier slow_;
    std::array<unsigned char, 32> key_{};
    std::unordered_map<std::string, Mac> entries_;  // password hash -> HMAC of the password
};

}  // namespace warden::core

// Per-source-address rate limit for attempts (e.g. time-restricted-access tokens typed
// into the confirmation page): at most `attempts` per `window` per address, with a burst
// of `attempts` allowed at once, and a steady refill of one attempt every
// window/attempts. A refused attempt costs nothing.
//
// Pure: the caller passes the time, so tests drive it without waiting. The table is
// bounded: when full, the address seen least recently is forgotten (its next attempt
// starts with a full bucket), so memory stays fixed under a flood of addresses. IPv6
// sources are keyed by their /64 (see rate_key): one host usually owns a whole /64.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace warden::http {

// The key an address is limited under: an IPv4 address as is, an IPv6 address by its
// /64 prefix ("2001:db8:1:2::/64"), IPv4-mapped IPv6 as IPv4. Text that is not an IP
// address is used as it is.
std::string rate_key(std::string_view address);

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        std::size_t attempts = 5;  // per window, and the burst
        std::chrono::milliseconds window{60000};
        std::size_t max_addresses = 4096;  // table bound
    };

    explicit RateLimiter(Options options);

    // Takes one attempt for `key` at `now`: true when allowed. `now` must not go back.
    bool allow(const std::string& key, Clock::time_point now);

    // How long until `key` may try again (0 when it may now).
    std::chrono::milliseconds retry_after(const std::string& key, Clock::time_point now) const;

    std::size_t size() const { return entries_.size(); }

  private:
    // Generic cell rate algorithm: `ready` is when the bucket would be full again; an
    // attempt is allowed while ready - now <= window - interval.
    struct Entry {
        Clock::time_point ready;
        std::list<std::string>::iterator age;  // position in lru_
    };

    std::chrono::milliseconds interval() const;
    void evict_oldest();

    Options options_;
    std::list<std::string> lru_;  // front: least recently seen
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace warden::http

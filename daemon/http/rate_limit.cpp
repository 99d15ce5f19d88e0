#include "daemon/http/rate_limit.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace warden::http {

std::string rate_key(std::string_view address) {
    const std::string text(address);
    std::array<unsigned char, 16> bytes{};
    if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
    const bool v4_mapped =
        std::all_of(bytes.begin(), bytes.begin() + 10, [](auto b) { return b == 0; }) &&
        bytes[10] == 0xff && bytes[11] == 0xff;
    char out[INET6_ADDRSTRLEN] = {};
    if (v4_mapped) {
        ::inet_ntop(AF_INET, bytes.data() + 12, out, sizeof out);
        return out;
    }
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    ::inet_ntop(AF_INET6, bytes.data(), out, sizeof out);
    return std::string(out) + "/64";
}

RateLimiter::RateLimiter(Options options) : options_(options) {
    options_.attempts = std::max<std::size_t>(options_.attempts, 1);
    options_.max_addresses = std::max<std::size_t>(options_.max_addresses, 1);
}

std::chrono::milliseconds RateLimiter::interval() const {
    return std::max(options_.window / static_cast<long>(options_.attempts),
                    std::chrono::milliseconds(1));
}

bool RateLimiter::allow(const std::string& key, Clock::time_point now) {
    const auto tolerance = interval() * static_cast<long>(options_.attempts - 1);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= options_.max_addresses) evict_oldest();
        lru_.push_back(key);
        it = entries_.emplace(key, Entry{now, std::prev(lru_.end())}).first;
    } else {
        lru_.splice(lru_.end(), lru_, it->second.age);  // most recently seen
    }
    Entry& e = it->second;
    const auto ready = std::max(e.ready, now);
    if (ready - now > tolerance) return false;
    e.ready = ready + interval();
    return true;
}

std::chrono::milliseconds RateLimiter::retry_after(const std::string& key,
                                                   Clock::time_point now) const {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::chrono::milliseconds(0);
    const auto tolerance = interval() * static_cast<long>(options_.attempts - 1);
    const auto wait = it->second.ready - tolerance - now;
    return std::max(std::chrono::ceil<std::chrono::milliseconds>(wait),
                    std::chrono::milliseconds(0));
}

void RateLimiter::evict_oldest() {
    entries_.erase(lru_.front());
    lru_.pop_front();
}

}  // namespace warden::http

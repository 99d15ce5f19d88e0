#include "daemon/core/clock.hpp"

#include <ctime>

namespace warden::core {

Clock::Clock(Source source) : source_(std::move(source)) {
    if (!source_) source_ = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
}

std::int64_t Clock::now() const {
    return source_() + offset();
}

void Clock::advance(std::int64_t seconds) {
    offset_.fetch_add(seconds, std::memory_order_relaxed);
    for (const auto& listener : listeners_) listener();
}

void Clock::on_jump(std::function<void()> listener) {
    listeners_.push_back(std::move(listener));
}

}  // namespace warden::core

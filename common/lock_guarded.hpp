// LockGuarded<T>: data that lives inside its mutex (after PowerDNS's LockGuarded).
//
// The only way to reach the T is lock() (or try_lock()), which returns a handle holding
// the lock for as long as it lives; "guarded by mutex_" stops being a comment and becomes
// something the compiler checks. A function that needs the lock held takes a T& and so
// can only be called by code that holds a handle.
//
//   LockGuarded<std::deque<Job>> jobs_;
//   jobs_.lock()->push_back(job);             // one statement under the lock
//   {
//       auto jobs = jobs_.lock();             // several, until `jobs` goes out of scope
//       if (!jobs->empty()) ...
//   }
//   auto q = jobs_.lock();
//   q.wait(wake_, [](auto& j) { return !j.empty(); });  // condition variables too
//
// Header-only and without Boost: the plugin uses it too. Don't keep a pointer or
// reference into the data beyond the handle's life: that is the one thing the type
// cannot stop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <type_traits>
#include <utility>

namespace warden {

// A locked view of the data: holds the lock until destroyed. Neither copyable nor movable,
// so the lock cannot leak out of the scope that took it.
template <typename T, typename Mutex = std::mutex>
class LockedHandle {
  public:
    LockedHandle(T& value, Mutex& mutex) : lock_(mutex), value_(&value) {}
    LockedHandle(T& value, Mutex& mutex, std::try_to_lock_t)
        : lock_(mutex, std::try_to_lock), value_(&value) {}
    LockedHandle(const LockedHandle&) = delete;
    LockedHandle& operator=(const LockedHandle&) = delete;

    // False only for a try_lock() that did not get the lock: then the data is out of reach.
    bool owns_lock() const noexcept { return lock_.owns_lock(); }
    explicit operator bool() const noexcept { return owns_lock(); }

    T& operator*() const noexcept { return *value_; }
    T* operator->() const noexcept { return value_; }

    // Releases the lock while waiting on `cv` and holds it again when `ready(data)` is
    // true (std::condition_variable::wait with the data handed to the predicate).
    template <typename Ready>
    void wait(std::condition_variable& cv, Ready ready) {
        static_assert(std::is_same_v<Mutex, std::mutex>,
                      "std::condition_variable needs std::mutex");
        cv.wait(lock_, [&] { return ready(*value_); });
    }
    // The same with a bound: false when `timeout` passed and `ready(data)` is still false.
    template <typename Rep, typename Period, typename Ready>
    bool wait_for(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout,
                  Ready ready) {
        static_assert(std::is_same_v<Mutex, std::mutex>,
                      "std::condition_variable needs std::mutex");
        return cv.wait_for(lock_, timeout, [&] { return ready(*value_); });
    }

  private:
    std::unique_lock<Mutex> lock_;
    T* value_;
};

template <typename T, typename Mutex = std::mutex>
class LockGuarded {
  public:
    using Handle = LockedHandle<T, Mutex>;
    using ConstHandle = LockedHandle<const T, Mutex>;

    // Constructs the data in place from `args`.
    template <typename... Args>
    constexpr explicit LockGuarded(Args&&... args) : value_(std::forward<Args>(args)...) {}

    LockGuarded(const LockGuarded&) = delete;
    LockGuarded& operator=(const LockGuarded&) = delete;

    [[nodiscard]] Handle lock() { return Handle(value_, mutex_); }
    [[nodiscard]] ConstHandle lock() const { return ConstHandle(value_, mutex_); }
    // Never blocks; check the handle (if (!h) ...) before using it.
    [[nodiscard]] Handle try_lock() { return Handle(value_, mutex_, std::try_to_lock); }
    [[nodiscard]] ConstHandle try_lock() const {
        return ConstHandle(value_, mutex_, std::try_to_lock);
    }

  private:
    mutable Mutex mutex_;
    T value_;
};

}  // namespace warden

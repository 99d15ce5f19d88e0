#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/lock_guarded.hpp"

using namespace warden;

// The data is reachable only through a handle, and the handle cannot escape its scope.
static_assert(!std::is_copy_constructible_v<LockGuarded<int>>);
static_assert(!std::is_copy_constructible_v<LockGuarded<int>::Handle>);
static_assert(!std::is_move_constructible_v<LockGuarded<int>::Handle>);
static_assert(
    std::is_same_v<decltype(*std::declval<const LockGuarded<int>&>().lock()), const int&>);

TEST_CASE("lock_guarded: the data is built in place and changed through the handle") {
    LockGuarded<std::vector<int>> numbers(3, 7);
    numbers.lock()->push_back(8);
    {
        auto n = numbers.lock();
        CHECK(n->size() == 4);
        (*n)[0] = 1;
    }
    const auto& read_only = numbers;
    auto n = read_only.lock();
    CHECK(*n == std::vector<int>{1, 7, 7, 8});
}

TEST_CASE("lock_guarded: a handle excludes every other thread until it is gone") {
    LockGuarded<int> value(0);
    // std::mutex must not be try_locked by its owner: ask from another thread.
    auto try_from_other_thread = [&] {
        return std::async(std::launch::async,
                          [&] {
                              auto h = value.try_lock();
                              if (h) *h += 1;
                              return h.owns_lock();
                          })
            .get();
    };
    {
        auto held = value.lock();
        CHECK_FALSE(try_from_other_thread());
        CHECK(*held == 0);
    }
    CHECK(try_from_other_thread());
    CHECK(*value.lock() == 1);
}

TEST_CASE("lock_guarded: concurrent updates are not lost") {
    LockGuarded<std::string> log;
    constexpr int kThreads = 4;
    constexpr int kRounds = 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&log, t] {
            for (int i = 0; i < kRounds; ++i) log.lock()->push_back(static_cast<char>('a' + t));
        });
    }
    for (auto& t : threads) t.join();
    const auto text = log.lock();
    CHECK(text->size() == std::size_t{kThreads * kRounds});
    for (int t = 0; t < kThreads; ++t)
        CHECK(std::count(text->begin(), text->end(), 'a' + t) == kRounds);
}

TEST_CASE("lock_guarded: wait releases the lock until the data is ready") {
    LockGuarded<std::deque<int>> queue;
    std::condition_variable ready;
    std::thread producer([&] {
        for (int i = 1; i <= 3; ++i) {
            queue.lock()->push_back(i);
            ready.notify_one();
        }
    });
    std::vector<int> got;
    while (got.size() < 3) {
        auto q = queue.lock();
        q.wait(ready, [](const std::deque<int>& items) { return !items.empty(); });
        got.push_back(q->front());
        q->pop_front();
    }
    producer.join();
    CHECK(got == std::vector<int>{1, 2, 3});
}

TEST_CASE("lock_guarded: wait_for gives up after its bound, or returns once the data is ready") {
    LockGuarded<bool> flag(false);
    std::condition_variable cv;
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(flag.lock().wait_for(cv, std::chrono::milliseconds(50), [](bool f) { return f; }));
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(50));

    std::thread setter([&] {
        *flag.lock() = true;
        cv.notify_one();
    });
    // Bounded so a lost wake-up fails the test instead of hanging it.
    CHECK(flag.lock().wait_for(cv, std::chrono::seconds(10), [](bool f) { return f; }));
    setter.join();
}

// Writes the auth service's batches (connection log, device state) on a thread of its
// own, through a SQLite connection of its own, so fsyncs never stall the event loop
// that answers the plugin. WAL lets it write while the main connection reads.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <thread>

#include "common/lock_guarded.hpp"
#include "daemon/core/auth_service.hpp"
#include "daemon/store/store.hpp"

namespace warden::app {

class BatchWriter {
  public:
    explicit BatchWriter(std::unique_ptr<store::Store> store);
    ~BatchWriter();  // writes what is queued, then stops
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;

    void submit(core::AuthService::Batch batch);

  private:
    struct Shared {
        std::deque<core::AuthService::Batch> queue;
        bool stopping = false;
    };

    void run();

    std::unique_ptr<store::Store> store_;  // the writer thread's only
    LockGuarded<Shared> shared_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace warden::app

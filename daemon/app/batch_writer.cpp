#include "daemon/app/batch_writer.hpp"

#include "common/log.hpp"

namespace warden::app {

BatchWriter::BatchWriter(std::unique_ptr<store::Store> store)
    : store_(std::move(store)), thread_([this] { run(); }) {}

BatchWriter::~BatchWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void BatchWriter::submit(core::AuthService::Batch batch) {
    if (batch.empty()) return;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(batch));
    }
    wake_.notify_one();
}

void BatchWriter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything is written
        core::AuthService::Batch batch = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        try {
            core::AuthService::write_batch(*store_, batch);
        } catch (const std::exception& e) {
            log::error("connection log write failed",
                       {{"rows", std::to_string(batch.log.size())}, {"error", e.what()}});
        }
        lock.lock();
    }
}

}  // namespace warden::app

#include "daemon/app/batch_writer.hpp"

#include "common/log.hpp"

namespace warden::app {

BatchWriter::BatchWriter(std::unique_ptr<store::Store> store)
    : store_(std::move(store)), thread_([this] { run(); }) {}

BatchWriter::~BatchWriter() {
    shared_.lock()->stopping = true;
    wake_.notify_one();
    thread_.join();
}

void BatchWriter::submit(core::AuthService::Batch batch) {
    if (batch.empty()) return;
    shared_.lock()->queue.push_back(std::move(batch));
    wake_.notify_one();
}

void BatchWriter::run() {
    for (;;) {
        core::AuthService::Batch batch;
        {
            auto shared = shared_.lock();
            shared.wait(wake_, [](const Shared& s) { return s.stopping || !s.queue.empty(); });
            if (shared->queue.empty()) return;  // stopping, and everything is written
            batch = std::move(shared->queue.front());
            shared->queue.pop_front();
        }
        try {
            core::AuthService::write_batch(*store_, batch);
        } catch (const std::exception& e) {
            log::error("connection log write failed",
                       {{"rows", std::to_string(batch.log.size())}, {"error", e.what()}});
        }
    }
}

}  // namespace warden::app

// BatchWriter: batches submitted on the event loop's thread are written on the writer's
// own thread and store connection, in order, and all of them before it stops. Under the
// tsan preset this is also the check that the hand-over between the threads is race-free.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "daemon/app/batch_writer.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

core::AuthService::Batch refusal(int n) {
    store::ConnectionEntry entry;
    entry.at = 1000 + n;
    entry.event = store::ConnectionEvent::Refused;
    entry.reason = "r" + std::to_string(n);
    core::AuthService::Batch batch;
    batch.log.push_back(entry);
    batch.at = entry.at;
    return batch;
}

}  // namespace

TEST_CASE("batch writer: every batch is written, in order, before it stops") {
    testing::TempDir dir;
    auto reader = std::move(store::open_sqlite(dir.file("w.db")).store);
    REQUIRE(reader);
    constexpr int kBatches = 64;
    {
        auto own = std::move(store::open_sqlite(dir.file("w.db")).store);
        REQUIRE(own);
        app::BatchWriter writer(std::move(own));
        writer.submit({});  // empty: nothing to write
        for (int n = 0; n < kBatches; ++n) writer.submit(refusal(n));
    }  // the destructor writes what is still queued
    auto rows = reader->connections(std::nullopt, 1000);
    REQUIRE(rows.size() == std::size_t{kBatches});
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (int n = 0; n < kBatches; ++n) CHECK(rows[n].reason == "r" + std::to_string(n));
}

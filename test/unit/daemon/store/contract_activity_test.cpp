// on_committed_activity: an activity entry reaches the listener (the syslog sender) only
// once its transaction committed; a rolled-back change never does.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::TempDir;

namespace {

struct Heard {
    std::vector<ActivityEntry> entries;
    Store::ActivityListener listener() {
        return [this](const ActivityEntry& e) { entries.push_back(e); };
    }
};

ActivityEntry entry(const std::string& action) {
    return {0, 100, "root", action, "laptop", "d"};
}

}  // namespace

TEST_CASE("store: committed activity is reported once the transaction commits, with its id") {
    TempDir dir;
    auto store = open_fresh(dir);
    Heard heard;
    store->on_committed_activity(heard.listener());
    store->transaction([&] {
        store->log_activity(entry("a.one"));
        store->log_activity(entry("a.two"));
        CHECK(heard.entries.empty());  // not before the commit
    });
    REQUIRE(heard.entries.size() == 2);
    CHECK(heard.entries[0].action == "a.one");
    CHECK(heard.entries[1].action == "a.two");
    const auto stored = store->activity(0, 10);  // newest first
    REQUIRE(stored.size() == 2);
    CHECK(heard.entries[0].id == stored[1].id);
    CHECK(heard.entries[1].id == stored[0].id);
    CHECK(heard.entries[1].actor == "root");
    CHECK(heard.entries[1].object == "laptop");
    CHECK(heard.entries[1].details == "d");
    CHECK(heard.entries[1].at == 100);
}

TEST_CASE("store: rolled-back activity is never reported") {
    TempDir dir;
    auto store = open_fresh(dir);
    Heard heard;
    store->on_committed_activity(heard.listener());
    CHECK_THROWS_AS(store->transaction([&] {
        store->log_activity(entry("rolled.back"));
        throw std::runtime_error("refused");
    }),
                    std::runtime_error);
    CHECK(heard.entries.empty());
    CHECK(store->activity(0, 10).empty());
    // The next transaction reports its own entry only.
    store->transaction([&] { store->log_activity(entry("kept")); });
    REQUIRE(heard.entries.size() == 1);
    CHECK(heard.entries[0].action == "kept");
}

TEST_CASE("store: activity outside a transaction is reported at once, nested at the outer commit") {
    TempDir dir;
    auto store = open_fresh(dir);
    Heard heard;
    store->on_committed_activity(heard.listener());
    store->log_activity(entry("autocommit"));
    REQUIRE(heard.entries.size() == 1);
    store->transaction([&] {
        store->transaction([&] { store->log_activity(entry("inner")); });
        CHECK(heard.entries.size() == 1);  // the outer one has not committed yet
    });
    REQUIRE(heard.entries.size() == 2);
    CHECK(heard.entries[1].action == "inner");
    store->transaction_without_fsync([&] { store->log_activity(entry("no.fsync")); });
    REQUIRE(heard.entries.size() == 3);
}

TEST_CASE("store: a throwing listener does not turn a commit into a failure") {
    TempDir dir;
    auto store = open_fresh(dir);
    int calls = 0;
    store->on_committed_activity([&](const ActivityEntry&) {
        ++calls;
        throw std::runtime_error("sink down");
    });
    CHECK_NOTHROW(store->transaction([&] {
        store->log_activity(entry("one"));
        store->log_activity(entry("two"));
    }));
    CHECK(calls == 2);
    CHECK(store->activity(0, 10).size() == 2);
    store->on_committed_activity({});
    CHECK_NOTHROW(store->log_activity(entry("unheard")));
}

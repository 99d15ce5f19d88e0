// Store contract, availability part (schema 010): offline alerts awaiting their recovery
// alert are kept, replaced, cleared, survive a reopen and go with their device.
#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "store_fixture.hpp"

using namespace warden::store;
using warden::store::test::open_fresh;
using warden::store::test::TempDir;

namespace {

std::int64_t add(Store& store, const std::string& name, std::uint32_t ip) {
    Device d;
    d.name = name;
    d.vpn_ip = ip;
    REQUIRE(store.add_device(d).ok());
    return d.id;
}

}  // namespace

TEST_CASE("store: offline alerts are put, replaced and cleared") {
    TempDir dir;
    auto store = open_fresh(dir);
    CHECK(store->schema_version() >= 10);
    const auto a = add(*store, "a", 10);
    const auto b = add(*store, "b", 11);
    CHECK(store->offline_alerts().empty());
    store->put_offline_alert({b, 100, 400});
    store->put_offline_alert({a, 200, 500});
    auto rows = store->offline_alerts();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].device_id == a);  // by device id
    CHECK(rows[0].offline_since == 200);
    CHECK(rows[0].alerted_at == 500);
    CHECK(rows[1].device_id == b);

    store->put_offline_alert({a, 900, 1200});  // a later outage replaces the row
    rows = store->offline_alerts();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].offline_since == 900);
    CHECK(rows[0].alerted_at == 1200);

    CHECK(store->clear_offline_alert(a));
    CHECK_FALSE(store->clear_offline_alert(a));
    rows = store->offline_alerts();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].device_id == b);
}

TEST_CASE("store: an offline alert survives a reopen and goes with its device") {
    TempDir dir;
    {
        auto store = open_fresh(dir);
        add(*store, "gone", 10);
        const auto kept = add(*store, "kept", 11);
        store->put_offline_alert({kept, 100, 400});
        store->put_offline_alert({store->find_device("gone")->id, 100, 400});
        REQUIRE(store->delete_device("gone", 500).ok());
    }
    auto store = open_fresh(dir);
    REQUIRE(store);
    const auto rows = store->offline_alerts();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].device_id == store->find_device("kept")->id);
    CHECK(rows[0].offline_since == 100);
}

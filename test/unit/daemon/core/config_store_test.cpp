// [store] in wardend.conf (issue 14): sqlite by default, postgresql with a libpq url.
#include <catch2/catch.hpp>

#include "daemon/core/config.hpp"

using namespace warden::core;

namespace {

ConfigResult parse_store(const std::string& table) {
    return parse_config("[vpn]\nremote = \"vpn.example.com\"\n[store]\n" + table);
}

}  // namespace

TEST_CASE("config: without [store] the state is in SQLite") {
    auto r = parse_config("[vpn]\nremote = \"vpn.example.com\"\n");
    REQUIRE(r.config);
    CHECK(r.config->store.backend == StoreConfig::Backend::Sqlite);
    CHECK(r.config->store.url.empty());
}

TEST_CASE("config: backend = postgresql takes a libpq connection string") {
    const std::string url = "host=db1,db2 dbname=warden target_session_attrs=read-write";
    auto r = parse_store("backend = \"postgresql\"\nurl = \"" + url + "\"\n");
    REQUIRE(r.config);
    CHECK(r.config->store.backend == StoreConfig::Backend::Postgresql);
    CHECK(r.config->store.url == url);
    // What init writes reads back the same.
    auto again = parse_config(render_config(*r.config));
    REQUIRE(again.config);
    CHECK(again.config->store.backend == StoreConfig::Backend::Postgresql);
    CHECK(again.config->store.url == url);
}

TEST_CASE("config: [store] mistakes are refused with the key") {
    auto no_url = parse_store("backend = \"postgresql\"\n");
    CHECK_FALSE(no_url.config);
    CHECK(no_url.error.find("store.url") != std::string::npos);
    auto other = parse_store("backend = \"mysql\"\n");
    CHECK_FALSE(other.config);
    CHECK(other.error.find("store.backend") != std::string::npos);
    auto unknown = parse_store("backend = \"sqlite\"\nhost = \"db1\"\n");
    CHECK_FALSE(unknown.config);
    CHECK(unknown.error.find("store.host") != std::string::npos);
}

TEST_CASE("config: a node's name and address read back, a name with spaces is refused") {
    auto r = parse_store(
        "backend = \"postgresql\"\nurl = \"host=db\"\nnode = \"vpn-2.plant\"\n"
        "node_address = \"10.250.90.2\"\n");
    REQUIRE(r.config);
    CHECK(r.config->store.node == "vpn-2.plant");
    CHECK(r.config->store.node_address == "10.250.90.2");
    auto again = parse_config(render_config(*r.config));
    REQUIRE(again.config);
    CHECK(again.config->store.node == "vpn-2.plant");
    CHECK(again.config->store.node_address == "10.250.90.2");

    auto bad = parse_store("backend = \"postgresql\"\nurl = \"host=db\"\nnode = \"vpn 2\"\n");
    CHECK_FALSE(bad.config);
    CHECK(bad.error.find("store.node") != std::string::npos);
    CHECK(valid_node_name(""));
    CHECK_FALSE(valid_node_name(std::string(64, 'a')));
}

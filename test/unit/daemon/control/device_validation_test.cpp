// Invalid device input through the command registry (add, edit, copy): each is refused
// with a message that starts with the field it is about, and nothing in the store
// changes (every column of devices and certificates compared before and after).
#include <catch2/catch.hpp>

#include "control_fixture.hpp"

using namespace warden;
using namespace warden::control;
using warden::control::test::Fixture;

namespace {

struct Case {
    const char* command;
    json::object args;
    const char* field;  // the reply message must start with "<field>:"
    Code code = Code::Invalid;
};

// r1: router 192.168.1.0/24 · nm1: router 10.20.0.0/24 netmapped to 192.168.0.0/24 ·
// pc1: pc · pc2: pc with a key password. The pool is 10.8.0.0/24.
void seed(Fixture& f) {
    REQUIRE(f.run("device.add", {{"name", "r1"}, {"type", "router"}, {"network", "192.168.1.0/24"}})
                .code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "nm1"},
                                 {"type", "router"},
                                 {"network", "10.20.0.0/24"},
                                 {"netmap", "192.168.0.0/255.255.255.0"}})
                .code == Code::Ok);
    REQUIRE(f.run("device.add", {{"name", "pc1"}, {"type", "pc"}}).code == Code::Ok);
    REQUIRE(
        f.run("device.add", {{"name", "pc2"}, {"type", "pc"}, {"key_password", "secret-1"}}).code ==
        Code::Ok);
}

json::value big(std::size_t n, char c) {
    return json::string(std::string(n, c));
}

json::object router(const char* name, const char* network) {
    return {{"name", name}, {"type", "router"}, {"network", network}};
}

json::object pc(json::value name) {
    return {{"name", std::move(name)}, {"type", "pc"}};
}

json::object with(json::object o, const char* key, json::value value) {
    o[key] = std::move(value);
    return o;
}

std::vector<Case> add_cases() {
    return {
        {"device.add", pc(""), "name"},
        {"device.add", pc(big(65, 'a')), "name"},
        {"device.add", pc("bad name"), "name"},
        {"device.add", pc("tab\there"), "name"},
        {"device.add", pc("bell\x07"), "name"},
        {"device.add", pc("del\x7f"), "name"},
        {"device.add", pc("-dash"), "name"},
        {"device.add", pc("caf\xc3\xa9"), "name"},  // non-ASCII
        {"device.add", pc("r1"), "name"},           // duplicate
        {"device.add", {{"name", "x"}, {"type", "phone"}}, "type"},
        {"device.add", {{"name", "x"}, {"type", ""}}, "type"},
        {"device.add", with(pc("x"), "group", "nope"), "group"},
        {"device.add", with(pc("x"), "network", "10.1.0.0/24"), "network"},  // pcs have none
        {"device.add", router("x", "10.8.0.0/16"), "network"},               // holds the pool
        {"device.add", router("x", "10.8.0.128/25"), "network"},             // inside the pool
        {"device.add", router("x", "192.168.1.128/25"), "network"},          // inside r1's
        {"device.add", router("x", "192.168.0.0/16"), "network"},            // holds r1's
        {"device.add", router("x", "10.20.0.0/25"), "network"},    // nm1's virtual network
        {"device.add", router("x", "192.168.2.1/24"), "network"},  // host bits
        {"device.add", router("x", "192.168.2.0/33"), "network"},
        {"device.add", router("x", "192.168.2.0/255.0.255.0"), "network"},  // not contiguous
        {"device.add", router("x", "garbage"), "network"},
        {"device.add", with(router("x", "192.168.2.0/24"), "netmap", "10.0.0.0/16"), "netmap"},
        {"device.add", with(router("x", "192.168.2.0/24"), "netmap", "bad"), "netmap"},
        {"device.add", with(router("x", "192.168.2.0/24"), "netmap", "10.8.0.0/24"), "netmap"},
        {"device.add", with({{"name", "x"}, {"type", "router"}}, "netmap", "10.1.0.0/24"),
         "netmap"},
        {"device.add", with(pc("x"), "serial", big(65, 's')), "serial"},
        {"device.add", with(pc("x"), "serial", "with space"), "serial"},
        {"device.add", with(pc("x"), "serial", "line\nbreak"), "serial"},
        {"device.add", with(pc("x"), "code", "abc"), "code"},
        {"device.add", with(pc("x"), "code", "a b c d"), "code"},
        {"device.add", with(pc("x"), "email", "nope"), "email"},
        {"device.add", with(pc("x"), "email", "a@b@c"), "email"},
        {"device.add", with(pc("x"), "email", "a @b.c"), "email"},
        // Header and recipient injection through the stored address (it goes into To:).
        {"device.add", with(pc("x"), "email", "a@b.c\r\nBcc: x@y.z"), "email"},
        {"device.add", with(pc("x"), "email", "a@b.c\nBcc: x@y.z"), "email"},
        {"device.add", with(pc("x"), "email", "a@b.c,x@y.z"), "email"},
        {"device.add", with(pc("x"), "email", "Boss <a@b.c>"), "email"},
        {"device.add", with(pc("x"), "email", "a@b.c>"), "email"},
        {"device.add", with(pc("x"), "email", "a@-b.c"), "email"},
        {"device.add", with(pc("x"), "key_password", "abc"), "key_password"},
        {"device.add", with(pc("x"), "key_password", "new\nline"), "key_password"},
        {"device.add", with(pc("x"), "key_password", big(1025, 'k')), "key_password"},
        {"device.add", with(router("x", "192.168.2.0/24"), "key_password", "secret-2"),
         "key_password"},
    };
}

std::vector<Case> edit_cases() {
    return {
        {"device.edit", {{"name", "nope"}, {"email", "a@b.c"}}, "name", Code::NotFound},
        {"device.edit", {{"name", "pc1"}, {"new_name", "r1"}}, "name"},
        {"device.edit", {{"name", "pc1"}, {"new_name", ""}}, "name"},
        {"device.edit", {{"name", "pc1"}, {"new_name", big(65, 'n')}}, "name"},
        {"device.edit", {{"name", "pc1"}, {"new_name", "a\tb"}}, "name"},
        {"device.edit", {{"name", "pc1"}, {"type", "switch"}}, "type"},
        {"device.edit", {{"name", "r1"}, {"type", "pc"}}, "network"},  // it has a network
        {"device.edit", {{"name", "pc1"}, {"network", "192.168.7.0/24"}}, "network"},
        {"device.edit", {{"name", "r1"}, {"network", "10.20.0.0/24"}}, "network"},
        {"device.edit", {{"name", "r1"}, {"network", "10.8.0.0/24"}}, "network"},
        {"device.edit", {{"name", "r1"}, {"network", "192.168.1.0/"}}, "network"},
        {"device.edit", {{"name", "nm1"}, {"network", "10.30.0.0/23"}}, "network"},  // size
        {"device.edit", {{"name", "nm1"}, {"netmap", "192.168.0.0/23"}}, "netmap"},
        {"device.edit", {{"name", "r1"}, {"netmap", "x"}}, "netmap"},
        {"device.edit", {{"name", "r1"}, {"group", "nope"}}, "group"},
        {"device.edit", {{"name", "r1"}, {"key_password", "secret-3"}}, "key_password"},
        {"device.edit", {{"name", "pc1"}, {"key_password", "ab"}}, "key_password"},
        {"device.edit", {{"name", "pc2"}, {"type", "router"}}, "key_password"},
        {"device.edit", {{"name", "pc1"}, {"email", "x"}}, "email"},
        {"device.edit", {{"name", "pc1"}, {"email", "a@b.c\r\nBcc: x@y.z"}}, "email"},
        {"device.edit", {{"name", "r1"}, {"code", "a b c d"}}, "code"},
        {"device.edit", {{"name", "r1"}, {"serial", big(100, '9')}}, "serial"},
        {"device.edit", {{"name", "pc1"}, {"new_name", "ok-name"}, {"email", "bad"}}, "email"},
        {"device.copy", {{"source", "nope"}, {"name", "c1"}}, "source", Code::NotFound},
        {"device.copy", {{"source", "r1"}, {"name", "pc1"}}, "name"},
        {"device.copy",
         {{"source", "r1"}, {"name", "c1"}, {"network", "192.168.1.0/24"}},
         "network"},
        {"device.copy",
         {{"source", "nm1"}, {"name", "c1"}, {"network", "10.21.0.0/23"}},
         "netmap"},  // the inherited local network is a /24
    };
}

}  // namespace

TEST_CASE("invalid device input is refused naming the field, and changes nothing") {
    Fixture f;
    seed(f);
    const std::string before = f.dump();
    const auto activity_before = f.store->activity(0, 1000).size();
    std::vector<Case> cases = add_cases();
    for (auto& c : edit_cases()) cases.push_back(std::move(c));
    REQUIRE(cases.size() >= 60);
    for (const auto& c : cases) {
        INFO(c.command << " " << json::serialize(c.args));
        auto reply = f.run(c.command, c.args);
        CHECK(reply.code == c.code);
        INFO(reply.message);
        CHECK(reply.message.rfind(std::string(c.field) + ": ", 0) == 0);
        CHECK(reply.message.find("secret") == std::string::npos);
    }
    CHECK(f.dump() == before);
    CHECK(f.store->activity(0, 1000).size() == activity_before);
}

TEST_CASE("an edit without options is a usage error, wrong argument types are refused") {
    Fixture f;
    seed(f);
    const std::string before = f.dump();
    CHECK(f.run("device.edit", {{"name", "pc1"}}).code == Code::Usage);
    CHECK(f.run("device.edit", {{"name", "pc1"}, {"monitor", "yes"}}).code == Code::Usage);
    CHECK(f.run("device.add", {{"name", "x"}, {"type", "pc"}, {"network", 5}}).code == Code::Usage);
    CHECK(f.dump() == before);
}

// before_command: work still pending (the logins' writes after their verdicts) runs
// before any command, so a command never acts on state those writes would change after
// it (a `session kill` undone by a token session written later).
#include <catch2/catch.hpp>

#include <vector>

#include "daemon/control/registry.hpp"

using namespace warden::control;

TEST_CASE("registry: before_command runs before each valid command's handler") {
    std::vector<std::string> order;
    Registry r;
    r.add({"thing.kill", Access::Write, "a write", {}, [&order](const Args&, const Caller&) {
               order.push_back("kill");
               return Reply::ok(json::object{});
           }});
    r.add({"thing.list", Access::Read, "a read", {}, [&order](const Args&, const Caller&) {
               order.push_back("list");
               return Reply::ok(json::array{});
           }});
    r.before_command([&order] { order.push_back("pending writes"); });
    const Caller admin{0, "root", true, true};
    const Caller stranger{1001, "bob", false, false};

    CHECK(r.dispatch_line(R"({"command":"thing.kill"})", admin).code == Code::Ok);
    CHECK(r.dispatch_line(R"({"command":"thing.list"})", admin).code == Code::Ok);
    // Refused requests run nothing.
    CHECK(r.dispatch_line(R"({"command":"thing.kill"})", stranger).code == Code::Denied);
    CHECK(r.dispatch_line(R"({"command":"nope"})", admin).code == Code::Usage);
    CHECK(order == std::vector<std::string>{"pending writes", "kill", "pending writes", "list"});
}

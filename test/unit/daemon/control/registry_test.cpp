#include <catch2/catch.hpp>

#include "daemon/control/registry.hpp"

using namespace warden::control;

namespace {

Registry make_registry(int& calls) {
    Registry r;
    r.add({"thing.add",
           Access::Write,
           "add a thing",
           {{"name", ArgType::String, true}, {"count", ArgType::Integer}, {"loud", ArgType::Bool}},
           [&calls](const Args& a, const Caller&) {
               ++calls;
               json::object o;
               o["name"] = a.str("name");
               o["count"] = a.integer("count", 1);
               o["loud"] = a.flag("loud");
               return Reply::ok(o);
           }});
    r.add({"thing.list", Access::Read, "list things", {}, [](const Args&, const Caller&) {
               return Reply::ok(json::array{});
           }});
    r.add({"thing.boom", Access::Read, "throws", {}, [](const Args&, const Caller&) -> Reply {
               throw std::runtime_error("x");
           }});
    return r;
}

Caller admin() {
    return {0, "root", true, true};
}
Caller viewer() {
    return {1000, "alice", true, false};
}
Caller stranger() {
    return {1001, "bob", false, false};
}

}  // namespace

TEST_CASE("registry dispatches valid requests") {
    int calls = 0;
    auto r = make_registry(calls);
    auto reply = r.dispatch_line(
        R"({"command":"thing.add","args":{"name":"x","count":3,"loud":true}})", admin());
    REQUIRE(reply.code == Code::Ok);
    CHECK(reply.result.at("count").as_int64() == 3);
    CHECK(reply.result.at("loud").as_bool());
    CHECK(calls == 1);
    CHECK(json::serialize(r.dispatch_line(R"({"command":"thing.list"})", viewer()).to_json()) ==
          R"({"status":"ok","result":[]})");
}

TEST_CASE("registry refuses invalid requests before any handler runs") {
    int calls = 0;
    auto r = make_registry(calls);
    struct Case {
        const char* line;
        Code code;
        const char* text;
    };
    const Case cases[] = {
        {"not json", Code::Usage, "malformed JSON"},
        {"[1,2]", Code::Usage, "JSON object"},
        {R"({"args":{}})", Code::Usage, "no command"},
        {R"({"command":5})", Code::Usage, "no command"},
        {R"({"command":"nope"})", Code::Usage, "unknown command nope"},
        {R"({"command":"thing.add","extra":1})", Code::Usage, "unknown request field extra"},
        {R"({"command":"thing.add","args":[]})", Code::Usage, "args must be an object"},
        {R"({"command":"thing.add","args":{}})", Code::Usage, "missing argument name"},
        {R"({"command":"thing.add","args":{"name":1}})", Code::Usage, "name must be a string"},
        {R"({"command":"thing.add","args":{"name":"x","count":"3"}})", Code::Usage,
         "count must be an integer"},
        {R"({"command":"thing.add","args":{"name":"x","loud":1}})", Code::Usage,
         "loud must be true or false"},
        {R"({"command":"thing.add","args":{"name":"x","bogus":1}})", Code::Usage,
         "unknown argument bogus"},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        auto reply = r.dispatch_line(c.line, admin());
        CHECK(reply.code == c.code);
        CHECK(reply.message.find(c.text) != std::string::npos);
    }
    CHECK(calls == 0);
}

TEST_CASE("registry enforces access levels") {
    int calls = 0;
    auto r = make_registry(calls);
    const char* add = R"({"command":"thing.add","args":{"name":"x"}})";
    CHECK(r.dispatch_line(add, viewer()).code == Code::Denied);
    CHECK(r.dispatch_line(add, stranger()).code == Code::Denied);
    CHECK(r.dispatch_line(R"({"command":"thing.list"})", stranger()).code == Code::Denied);
    CHECK(r.dispatch_line(R"({"command":"thing.list"})", viewer()).code == Code::Ok);
    CHECK(calls == 0);
}

TEST_CASE("handler exceptions become internal errors") {
    int calls = 0;
    auto r = make_registry(calls);
    auto reply = r.dispatch_line(R"({"command":"thing.boom"})", admin());
    CHECK(reply.code == Code::Internal);
    CHECK(json::serialize(reply.to_json()).find(R"("code":"internal")") != std::string::npos);
}

TEST_CASE("the after-write hook runs once per successful write command only") {
    int calls = 0;
    Registry r = make_registry(calls);
    std::vector<std::string> written;
    r.after_write([&](const std::string& command) {
        written.push_back(command);
        return std::string();
    });
    r.dispatch_line(R"({"command":"thing.add","args":{"name":"a"}})", admin());
    r.dispatch_line(R"({"command":"thing.list"})", admin());
    r.dispatch_line(R"({"command":"thing.add","args":{}})", admin());             // usage error
    r.dispatch_line(R"({"command":"thing.add","args":{"name":"b"}})", viewer());  // denied
    REQUIRE(written.size() == 1);
    CHECK(written[0] == "thing.add");
}

TEST_CASE("a failing after-write hook turns the write's OK into an error with its message") {
    int calls = 0;
    Registry r = make_registry(calls);
    r.after_write([](const std::string&) {
        return std::string("the change is stored but the firewall could not be applied");
    });
    auto reply = r.dispatch_line(R"({"command":"thing.add","args":{"name":"a"}})", admin());
    CHECK(calls == 1);  // the handler ran: the change is stored
    CHECK(reply.code == Code::Internal);
    CHECK(reply.message == "the change is stored but the firewall could not be applied");
    // Reads never run the hook.
    CHECK(r.dispatch_line(R"({"command":"thing.list"})", admin()).code == Code::Ok);
}

// The admin command registry: name -> handler, access level, argument spec, help.
// No transport in here: the admin socket hands it a parsed request and a Caller. Every
// request is validated against the command's argument spec before its handler runs.
//
// Request:  {"command": "device.add", "args": {"name": "r1", "type": "router"}}
// Reply:    {"status": "ok", "result": ...}
//           {"status": "error", "code": "invalid|not_found|denied|usage|internal", "message":
//           "..."}
//
// Attached descriptor: a request may carry one open file descriptor (SCM_RIGHTS on the
// admin socket, sent with the request's line). Only commands declared with
// Attachment::File accept one, and they require it: the client opens the file with its
// own rights (the kernel checks them) and the daemon only writes into the descriptor,
// never into a path a caller named. The transport owns and closes the descriptor.
#pragma once

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/admin_codes.hpp"

namespace warden::control {

namespace json = boost::json;

enum class Access { Read, Write };
// Reply codes and their names: common/admin_codes.hpp, shared with wardenctl.
using admin::Code;
using admin::code_name;
using admin::parse_code;

struct Caller {
    unsigned uid = 0;
    std::string user;  // OS user name, recorded in the activity log
    bool may_read = false;
    bool may_write = false;
};

struct Reply {
    Code code = Code::Ok;
    json::value result;
    std::string message;

    static Reply ok(json::value result = nullptr) { return {Code::Ok, std::move(result), {}}; }
    static Reply error(Code code, std::string message) {
        return {code, nullptr, std::move(message)};
    }
    json::object to_json() const;
};

enum class ArgType { String, Integer, Bool };

struct ArgSpec {
    std::string name;
    ArgType type = ArgType::String;
    bool required = false;
};

// Validated arguments: every key is known and has the declared type.
class Args {
  public:
    explicit Args(const json::object& obj, int attached_fd = -1)
        : obj_(obj), attached_fd_(attached_fd) {}
    std::string str(std::string_view key, std::string fallback = {}) const;
    std::optional<std::string> opt_str(std::string_view key) const;
    std::int64_t integer(std::string_view key, std::int64_t fallback = 0) const;
    bool flag(std::string_view key) const;
    bool has(std::string_view key) const { return obj_.contains(key); }
    // The descriptor sent with the request (Attachment::File commands), -1 otherwise.
    int attached_fd() const { return attached_fd_; }

  private:
    const json::object& obj_;
    int attached_fd_ = -1;
};

using Handler = std::function<Reply(const Args& args, const Caller& caller)>;

// Whether a request carries a descriptor: File commands require one, others refuse it.
enum class Attachment { None, File };

struct Command {
    std::string name;
    Access access = Access::Read;
    std::string help;
    std::vector<ArgSpec> args;
    Handler handler;
    Attachment attachment = Attachment::None;
};

class Registry {
  public:
    // A name registered twice is a programming error (two branches adding the same
    // command): it throws instead of silently keeping one of them.
    void add(Command command);
    const Command* find(std::string_view name) const;
    std::vector<const Command*> commands() const;

    // Validates and dispatches; never throws (handler exceptions become Code::Internal).
    // `attached_fd` is the request's descriptor (-1: none); it stays the caller's to close.
    Reply dispatch(const json::value& request, const Caller& caller, int attached_fd = -1) const;
    // Parses one request line (JSON) and dispatches it.
    Reply dispatch_line(std::string_view line, const Caller& caller, int attached_fd = -1) const;

    // Called after every write command that succeeded, so whatever is derived from the
    // whole state (kernel routes, the firewall) is brought up to date in one place. The
    // hook returns "" or why the change, though stored, is not in force: then the command
    // fails with that message (Code::Internal) instead of answering OK.
    using AfterWrite = std::function<std::string(const std::string& command)>;
    void after_write(AfterWrite hook) { after_write_ = std::move(hook); }
    // Called before every valid command runs, so it comes after work still pending (the
    // logins' writes: a `session kill` must not be undone by a token written after it).
    void before_command(std::function<void()> hook) { before_command_ = std::move(hook); }

  private:
    std::map<std::string, Command, std::less<>> commands_;
    AfterWrite after_write_;
    std::function<void()> before_command_;
};

}  // namespace warden::control

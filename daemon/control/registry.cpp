#include "daemon/control/registry.hpp"

#include <stdexcept>

#include "common/log.hpp"
#include "daemon/store/store.hpp"

namespace warden::control {
namespace {

std::string_view type_name(ArgType t) {
    switch (t) {
        case ArgType::String:
            return "a string";
        case ArgType::Integer:
            return "an integer";
        case ArgType::Bool:
            return "true or false";
    }
    return "?";
}

bool has_type(const json::value& v, ArgType t) {
    switch (t) {
        case ArgType::String:
            return v.is_string();
        case ArgType::Integer:
            return v.is_int64() || v.is_uint64();
        case ArgType::Bool:
            return v.is_bool();
    }
    return false;
}

std::optional<std::string> validate_args(const Command& cmd, const json::object& args) {
    for (const auto& entry : args) {
        const std::string_view key = entry.key();
        const json::value& value = entry.value();
        auto spec = std::find_if(cmd.args.begin(), cmd.args.end(),
                                 [key](const ArgSpec& s) { return s.name == key; });
        if (spec == cmd.args.end())
            return "unknown argument " + std::string(key) + " for " + cmd.name;
        if (!has_type(value, spec->type))
            return "argument " + std::string(key) + " must be " +
                   std::string(type_name(spec->type));
    }
    for (const auto& spec : cmd.args) {
        if (spec.required && !args.contains(spec.name))
            return "missing argument " + spec.name + " for " + cmd.name;
    }
    return std::nullopt;
}

}  // namespace

json::object Reply::to_json() const {
    json::object out;
    if (code == Code::Ok) {
        out["status"] = "ok";
        out["result"] = result;
    } else {
        out["status"] = "error";
        out["code"] = code_name(code);
        out["message"] = message;
    }
    return out;
}

std::string Args::str(std::string_view key, std::string fallback) const {
    return opt_str(key).value_or(std::move(fallback));
}

std::optional<std::string> Args::opt_str(std::string_view key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().get_string());
}

std::int64_t Args::integer(std::string_view key, std::int64_t fallback) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) return fallback;
    if (it->value().is_int64()) return it->value().get_int64();
    if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().get_uint64());
    return fallback;
}

bool Args::flag(std::string_view key) const {
    auto it = obj_.find(key);
    return it != obj_.end() && it->value().is_bool() && it->value().get_bool();
}

void Registry::add(Command command) {
    const std::string name = command.name;
    if (!commands_.emplace(name, std::move(command)).second)
        throw std::logic_error("command registered twice: " + name);
}

const Command* Registry::find(std::string_view name) const {
    auto it = commands_.find(name);
    return it == commands_.end() ? nullptr : &it->second;
}

std::vector<const Command*> Registry::commands() const {
    std::vector<const Command*> out;
    for (const auto& [name, cmd] : commands_) out.push_back(&cmd);
    return out;
}

Reply Registry::dispatch(const json::value& request, const Caller& caller, int attached_fd) const {
    if (!request.is_object()) return Reply::error(Code::Usage, "request must be a JSON object");
    const auto& obj = request.get_object();
    const auto* name = obj.if_contains("command");
    if (!name || !name->is_string()) return Reply::error(Code::Usage, "request has no command");
    for (const auto& [key, value] : obj) {
        if (key != "command" && key != "args")
            return Reply::error(Code::Usage, "unknown request field " + std::string(key));
    }
    const Command* cmd = find(name->get_string());
    if (!cmd)
        return Reply::error(Code::Usage, "unknown command " + std::string(name->get_string()));
    if (!caller.may_read || (cmd->access == Access::Write && !caller.may_write))
        return Reply::error(Code::Denied, "permission denied: " + cmd->name + " needs " +
                                              (cmd->access == Access::Write ? "admin" : "viewer") +
                                              " rights");
    static const json::object kNoArgs;
    const auto* args_value = obj.if_contains("args");
    if (args_value && !args_value->is_object())
        return Reply::error(Code::Usage, "args must be an object");
    const json::object& args = args_value ? args_value->get_object() : kNoArgs;
    if (auto problem = validate_args(*cmd, args)) return Reply::error(Code::Usage, *problem);
    if (cmd->attachment == Attachment::None && attached_fd >= 0)
        return Reply::error(Code::Usage, cmd->name + " takes no file descriptor");
    if (cmd->attachment == Attachment::File && attached_fd < 0)
        return Reply::error(Code::Usage, cmd->name + " needs the open file sent with the request");
    try {
        if (before_command_) before_command_();
        Reply reply = cmd->handler(Args(args, attached_fd), caller);
        if (cmd->access == Access::Write && reply.code == Code::Ok && after_write_) {
            if (auto problem = after_write_(cmd->name); !problem.empty())
                return Reply::error(Code::Internal, problem);
        }
        return reply;
    } catch (const store::StoreError& e) {
        log::error("admin command failed",
                   {{"command", cmd->name}, {"user", caller.user}, {"error", e.what()}});
        if (e.unavailable())
            return Reply::error(Code::Internal,
                                "the database (postgresql) is unreachable: the command failed, "
                                "try again once it is back");
        return Reply::error(Code::Internal, "internal error; see the daemon log");
    } catch (const std::exception& e) {
        log::error("admin command failed",
                   {{"command", cmd->name}, {"user", caller.user}, {"error", e.what()}});
        return Reply::error(Code::Internal, "internal error; see the daemon log");
    }
}

Reply Registry::dispatch_line(std::string_view line, const Caller& caller, int attached_fd) const {
    boost::system::error_code ec;
    json::value request = json::parse(line, ec);
    if (ec) return Reply::error(Code::Usage, "malformed JSON request: " + ec.message());
    return dispatch(request, caller, attached_fd);
}

}  // namespace warden::control

// vpn.status / vpn.restart (SPEC §8: instances, status, restart, recent log) and backup
// (an online copy of the database, written by the daemon and checked before it is kept).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/log.hpp"
#include "daemon/control/services.hpp"
#include "daemon/store/backup.hpp"

namespace warden::control {
namespace fs = std::filesystem;
namespace {

Reply vpn_status(Services& s) {
    json::array out;
    for (const auto& i : s.sessions.instances()) {
        json::array lines;
        for (const auto& line : s.sessions.recent_log(i.name)) lines.push_back(json::string(line));
        out.push_back(
            json::object{{"name", i.name},
                         {"management", i.management_connected ? "connected" : "disconnected"},
                         {"sessions", i.sessions},
                         {"recent_log", std::move(lines)}});
    }
    return Reply::ok(out);
}

Reply vpn_restart(const Args& args, const Caller& caller, Services& s) {
    std::vector<std::string> names;
    for (const auto& i : s.sessions.instances()) {
        if (!args.has("instance") || i.name == args.str("instance")) names.push_back(i.name);
    }
    if (names.empty())
        return Reply::error(Code::NotFound,
                            "instance: no OpenVPN instance named " + args.str("instance"));
    json::array results;
    std::size_t sent = 0;
    for (const auto& name : names) {
        const std::string problem = s.sessions.restart(name);
        if (problem.empty()) ++sent;
        s.audit(caller, "vpn.restart", name,
                problem.empty() ? "signal=SIGHUP" : "failed: " + problem);
        results.push_back(
            json::object{{"instance", name}, {"restarting", problem.empty()}, {"error", problem}});
    }
    if (sent == 0)
        return Reply::error(Code::Invalid,
                            "instance: " + std::string(results.at(0).at("error").as_string()));
    return Reply::ok(results);
}

// wardend writes as root: an admin who is not root may only write into a folder of
// their own (else `backup /etc/cron.d/x` would plant a root-owned file anywhere).
std::optional<std::string> check_backup_path(const std::string& file, bool force,
                                             const Caller& caller) {
    if (file.empty() || file.front() != '/') return "file: must be an absolute path";
    const fs::path path(file);
    std::error_code ec;
    if (!fs::is_directory(path.parent_path(), ec))
        return "file: no folder " + path.parent_path().string();
    struct stat folder {};
    if (caller.uid != 0 &&
        (::stat(path.parent_path().c_str(), &folder) != 0 || folder.st_uid != caller.uid))
        return "file: " + path.parent_path().string() + " must belong to " + caller.user;
    if (fs::is_directory(path, ec)) return "file: " + file + " is a folder";
    if (fs::exists(path, ec) && !force)
        return "file: " + file + " exists (use --force to replace it)";
    return std::nullopt;
}

// The copy is written beside FILE under a temporary name, checked, and only then put in
// place: FILE is a complete, checked backup or untouched.
Reply backup(const Args& args, const Caller& caller, Services& s) {
    const std::string file = args.str("file");
    const bool force = args.flag("force");
    if (auto problem = check_backup_path(file, force, caller))
        return Reply::error(Code::Invalid, *problem);
    const std::string tmp = file + ".partial-" + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (auto out = s.store.backup(tmp); !out.ok()) return from_outcome(out);
    if (caller.uid != 0 && ::chown(tmp.c_str(), caller.uid, static_cast<gid_t>(-1)) != 0) {
        ::unlink(tmp.c_str());
        return Reply::error(Code::Internal, "backup: cannot hand the copy to " + caller.user);
    }
    const store::DatabaseCheck check = store::inspect_database(tmp);
    if (!check.ok()) {
        ::unlink(tmp.c_str());
        log::error("backup check failed",
                   {{"file", file}, {"error", check.error}, {"integrity", check.integrity}});
        return Reply::error(Code::Internal,
                            "backup: the copy failed its check: " +
                                (check.error.empty() ? check.integrity : check.error));
    }
    const int rc = force ? ::rename(tmp.c_str(), file.c_str()) : ::link(tmp.c_str(), file.c_str());
    const int err = errno;
    if (!force) ::unlink(tmp.c_str());
    if (rc != 0) {
        if (force) ::unlink(tmp.c_str());
        return Reply::error(Code::Invalid, "file: " + file + ": " + std::strerror(err));
    }
    std::error_code ec;
    const auto bytes = fs::file_size(file, ec);
    s.audit(caller, "backup", file, "devices=" + std::to_string(check.devices));
    return Reply::ok(json::object{{"file", file},
                                  {"bytes", ec ? 0 : bytes},
                                  {"devices", check.devices},
                                  {"schema_version", check.schema_version},
                                  {"integrity", check.integrity}});
}

}  // namespace

void register_vpn_commands(Registry& r, Services& s) {
    r.add({"vpn.status",
           Access::Read,
           "OpenVPN instances: management connection, sessions, recent log lines",
           {},
           [&s](const Args&, const Caller&) { return vpn_status(s); }});
    r.add({"vpn.restart",
           Access::Write,
           "restart an OpenVPN instance (all without INSTANCE) through its management interface "
           "(SIGHUP: clients reconnect)",
           {{"instance", ArgType::String}},
           [&s](const Args& a, const Caller& c) { return vpn_restart(a, c, s); }});
    r.add({"backup",
           Access::Write,
           "online copy of the database to FILE (absolute path; refused if it exists unless "
           "force), checked with integrity_check",
           {{"file", ArgType::String, true}, {"force", ArgType::Bool}},
           [&s](const Args& a, const Caller& c) { return backup(a, c, s); }});
}

}  // namespace warden::control

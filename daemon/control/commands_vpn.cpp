// vpn.status / vpn.restart (SPEC §8: instances, status, restart, recent log) and backup
// (an online copy of the database, checked, then written into a file the caller opened).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "daemon/control/services.hpp"
#include "daemon/store/backup.hpp"

namespace warden::control {
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

// The descriptor wardenctl opened (as the caller, so the kernel checked their rights to
// the destination) must be a regular file open for writing: a pipe or socket could stall
// the daemon, and a read-only descriptor would fail half-way.
std::optional<std::string> check_backup_fd(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return "file: the attached descriptor is not a regular file";
    const int mode = ::fcntl(fd, F_GETFL);
    if (mode < 0 || (mode & O_ACCMODE) == O_RDONLY || (mode & O_APPEND) != 0)
        return "file: the attached descriptor is not open for writing";
    return std::nullopt;
}

// Copies `from` (a path in the daemon's own state folder) into `fd` from offset 0, cuts
// what was there before and flushes it to disk.
std::string copy_into(const std::string& from, int fd) {
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!in) return std::string("cannot read the copy: ") + std::strerror(errno);
    std::array<char, 65536> buf{};
    off_t at = 0;
    for (;;) {
        const ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::string("cannot read the copy: ") + std::strerror(errno);
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
            const ssize_t w =
                ::pwrite(fd, buf.data() + done, static_cast<std::size_t>(n - done), at + done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return std::string("cannot write: ") + std::strerror(errno);
            done += w;
        }
        at += n;
    }
    if (::ftruncate(fd, at) != 0 || ::fsync(fd) != 0)
        return std::string("cannot write: ") + std::strerror(errno);
    return {};
}

// The copy is made in the daemon's state folder (only root writes there), checked, and
// only then written into the caller's descriptor. `file` is the caller's name for it, for
// the reply and the activity log: the daemon never opens, chowns or renames that path.
Reply backup(const Args& args, const Caller& caller, Services& s) {
    const std::string file = args.str("file");
    const int fd = args.attached_fd();
    if (auto problem = check_backup_fd(fd)) return Reply::error(Code::Invalid, *problem);
    const std::string tmp = s.config.state_dir + "/backup.partial-" + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (auto out = s.store.backup(tmp); !out.ok()) return from_outcome(out);
    struct Remove {
        const std::string& path;
        ~Remove() { ::unlink(path.c_str()); }
    } remove_tmp{tmp};
    const store::DatabaseCheck check = store::inspect_database(tmp);
    if (!check.ok()) {
        log::error("backup check failed",
                   {{"file", file}, {"error", check.error}, {"integrity", check.integrity}});
        return Reply::error(Code::Internal,
                            "backup: the copy failed its check: " +
                                (check.error.empty() ? check.integrity : check.error));
    }
    if (auto err = copy_into(tmp, fd); !err.empty())
        return Reply::error(Code::Invalid, "file: " + file + ": " + err);
    struct stat st {};
    ::fstat(fd, &st);
    s.audit(caller, "backup", file, "devices=" + std::to_string(check.devices));
    return Reply::ok(json::object{{"file", file},
                                  {"bytes", static_cast<std::uint64_t>(st.st_size)},
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
           "online copy of the database, checked with integrity_check, written into the file "
           "sent with the request (FILE: its name, for the reply and the activity log)",
           {{"file", ArgType::String, true}},
           [&s](const Args& a, const Caller& c) { return backup(a, c, s); },
           Attachment::File});
}

}  // namespace warden::control

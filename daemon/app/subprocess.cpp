#include "daemon/app/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>

#include "common/fd.hpp"

extern char** environ;

namespace warden::app {
namespace {

struct Pipe {
    UniqueFd read, write;
    bool open() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        read.reset(fds[0]);
        write.reset(fds[1]);
        return true;
    }
};

using SteadyClock = std::chrono::steady_clock;

int remaining_ms(SteadyClock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Feeds `input` to the child and collects stdout/stderr until both close; poll() keeps a
// child that writes a lot from blocking on a full pipe while we are still writing.
// False when the deadline passed first.
bool exchange(Pipe& in, Pipe& out, Pipe& err, const std::string& input, ProcessResult& r,
              SteadyClock::time_point deadline) {
    std::size_t written = 0;
    if (input.empty()) in.write.reset();
    std::array<char, 4096> buf{};
    while (out.read || err.read) {
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        if (in.write) fds[n++] = {in.write.get(), POLLOUT, 0};
        if (out.read) fds[n++] = {out.read.get(), POLLIN, 0};
        if (err.read) fds[n++] = {err.read.get(), POLLIN, 0};
        const int ready = ::poll(fds.data(), n, remaining_ms(deadline));
        if (ready < 0) {
            if (errno == EINTR) continue;
            return true;
        }
        if (ready == 0) return false;
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            if (in.write && fds[i].fd == in.write.get()) {
                const ssize_t w =
                    ::write(fds[i].fd, input.data() + written, input.size() - written);
                if (w > 0) written += static_cast<std::size_t>(w);
                if (w < 0 || written == input.size()) in.write.reset();
                continue;
            }
            UniqueFd& fd = fds[i].fd == out.read.get() ? out.read : err.read;
            std::string& sink = fds[i].fd == out.read.get() ? r.out : r.err;
            const ssize_t got = ::read(fd.get(), buf.data(), buf.size());
            if (got > 0)
                sink.append(buf.data(), static_cast<std::size_t>(got));
            else if (got == 0 || errno != EINTR)
                fd.reset();
        }
    }
    return true;
}

// Waits for the child until the deadline (its pipes may close before it exits).
bool reap(pid_t pid, int& status, SteadyClock::time_point deadline) {
    for (;;) {
        const pid_t got = ::waitpid(pid, &status, WNOHANG);
        if (got == pid) return true;
        if (got < 0 && errno != EINTR) return true;  // not ours any more: nothing to wait for
        if (remaining_ms(deadline) == 0) return false;
        // Pipes closed but the child still runs (it closed them itself): re-check every
        // 10 ms, bounded by the deadline.
        ::poll(nullptr, 0, std::min(10, remaining_ms(deadline)));
    }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    ProcessResult r;
    Pipe in, out, err;
    if (argv.empty() || !in.open() || !out.open() || !err.open()) return r;
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
    ::posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
    ::posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
    // Its own process group, so a timeout kills whatever the child started too (and
    // nothing of ours).
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    ::posix_spawnattr_setpgroup(&attr, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    in.read.reset();
    out.write.reset();
    err.write.reset();
    if (rc != 0) {
        r.err = "cannot start " + argv[0];
        return r;
    }
    int status = 0;
    if (!exchange(in, out, err, input, r, deadline) || !reap(pid, status, deadline)) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        r.timed_out = true;
        r.exit_code = -1;
        r.err += (r.err.empty() ? "" : "\n") + argv[0] + ": killed after " +
                 std::to_string(timeout.count()) + " ms";
        return r;
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace warden::app

// Files wardenctl writes: 0600, never through a symlink; backup sends its descriptor.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/backup.hpp"
#include "cli/private_file.hpp"
#include "support/unix_client.hpp"

using namespace warden;
using namespace warden::cli;
using warden::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
    std::stringstream ss;
    ss << std::ifstream(path).rdbuf();
    return ss.str();
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// A stand-in for wardend: accepts one connection, takes the descriptor sent with the
// request, writes `content` into it and answers ok. Records whether a descriptor came.
struct FakeDaemon {
    TempDir dir;
    std::string path = dir.file("admin.sock");
    UniqueFd listener;
    std::thread thread;
    bool got_fd = false;

    explicit FakeDaemon(std::string content) {
        listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
        REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(listener.get(), 4) == 0);
        thread = std::thread([this, content] { serve(content); });
    }
    ~FakeDaemon() { thread.join(); }

    void serve(const std::string& content) {
        UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        char buf[4096];
        iovec iov{buf, sizeof buf};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC) <= 0) return;
        UniqueFd attached;
        if (cmsghdr* c = CMSG_FIRSTHDR(&msg); c && c->cmsg_type == SCM_RIGHTS) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            attached.reset(fd);
        }
        got_fd = attached.valid();
        const std::string reply =
            attached && ::write(attached.get(), content.data(), content.size()) > 0
                ? R"({"status":"ok","result":{}})"
                  "\n"
                : R"({"status":"error","code":"usage","message":"no fd"})"
                  "\n";
        (void)!::write(conn.get(), reply.data(), reply.size());
    }
};

}  // namespace

TEST_CASE("private files are 0600 and a symlink at the destination is replaced, not followed") {
    TempDir dir;
    const std::string target = dir.file("target");
    { std::ofstream(target) << "precious"; }
    const std::string out = dir.file("profile.ovpn");
    fs::create_symlink(target, out);
    REQUIRE(write_private_file(out, "secret key").empty());
    CHECK(slurp(target) == "precious");
    CHECK_FALSE(fs::is_symlink(out));
    CHECK(slurp(out) == "secret key");
    CHECK(mode_of(out) == 0600);
    REQUIRE(write_private_file(out, "second").empty());  // replaces a regular file too
    CHECK(slurp(out) == "second");
    CHECK_FALSE(write_private_file(dir.file("missing/x"), "x").empty());
    for (const auto& entry : fs::directory_iterator(dir.path))
        CHECK(entry.path().string().find(".partial-") == std::string::npos);
}

TEST_CASE("create_new_private refuses an existing name and a symlink") {
    TempDir dir;
    const std::string target = dir.file("target");
    { std::ofstream(target) << "precious"; }
    const std::string link = dir.file("link");
    fs::create_symlink(target, link);
    int err = 0;
    CHECK_FALSE(create_new_private(link, err));
    CHECK(err == EEXIST);
    CHECK_FALSE(create_new_private(target, err));
    CHECK(err == EEXIST);
    const std::string fresh = dir.file("fresh");
    CHECK(create_new_private(fresh, err));
    CHECK(mode_of(fresh) == 0600);
    CHECK(exit_for_open_error(EACCES) == kDenied);
    CHECK(exit_for_open_error(ENOENT) == kRefused);
}

TEST_CASE("backup opens the file itself, sends the descriptor and follows no link") {
    TempDir dir;
    const std::string target = dir.file("target");
    { std::ofstream(target) << "precious"; }
    const std::string link = dir.file("backup.db");
    fs::create_symlink(target, link);
    {
        FakeDaemon daemon("copy");
        // Without --force a name that exists (here a symlink) is refused before any request.
        auto refused = backup_to_file(daemon.path, link, false);
        CHECK(refused.exit_code == kRefused);
        CHECK(refused.message.find("exists") != std::string::npos);
        // With --force the link itself is replaced by the copy; its target is untouched.
        auto done = backup_to_file(daemon.path, link, true);
        CHECK(done.exit_code == kDone);
        CHECK(daemon.got_fd);
    }
    CHECK(slurp(target) == "precious");
    CHECK_FALSE(fs::is_symlink(link));
    CHECK(slurp(link) == "copy");
    CHECK(mode_of(link) == 0600);
    {
        FakeDaemon daemon("fresh");
        const std::string fresh = dir.file("fresh.db");
        REQUIRE(backup_to_file(daemon.path, fresh, false).exit_code == kDone);
        CHECK(slurp(fresh) == "fresh");
        CHECK(mode_of(fresh) == 0600);
    }
    for (const auto& entry : fs::directory_iterator(dir.path))
        CHECK(entry.path().string().find(".partial-") == std::string::npos);
}

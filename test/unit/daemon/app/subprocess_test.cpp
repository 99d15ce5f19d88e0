#include <catch2/catch.hpp>

#include <chrono>

#include "daemon/app/subprocess.hpp"

using namespace warden;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

milliseconds elapsed_since(steady_clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

}  // namespace

TEST_CASE("run_process passes input and collects output and exit code") {
    const auto r = app::run_process({"sh", "-c", "cat; echo oops >&2; exit 3"}, "hello\n");
    CHECK(r.exit_code == 3);
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "hello\n");
    CHECK(r.err == "oops\n");
}

TEST_CASE("run_process reports a program it cannot start") {
    const auto r = app::run_process({"warden-no-such-program-xyz"});
    CHECK(r.exit_code != 0);
}

TEST_CASE("a hanging child is killed at the bound and reported as failed") {
    const auto start = steady_clock::now();
    const auto r = app::run_process({"sleep", "60"}, {}, milliseconds(300));
    const auto took = elapsed_since(start);
    CHECK(r.timed_out);
    CHECK(r.exit_code == -1);
    CHECK(r.err.find("killed after 300 ms") != std::string::npos);
    CHECK(took >= milliseconds(300));
    CHECK(took < milliseconds(5000));
}

TEST_CASE("a child that closes its pipes but keeps running is bounded too") {
    const auto start = steady_clock::now();
    const auto r = app::run_process({"sh", "-c", "exec >/dev/null 2>&1 </dev/null; sleep 60"}, {},
                                    milliseconds(300));
    CHECK(r.timed_out);
    CHECK(elapsed_since(start) < milliseconds(5000));
}

TEST_CASE("a grandchild holding the pipes is killed with its process group") {
    const auto start = steady_clock::now();
    // The shell's child keeps stdout open after the shell itself is gone.
    const auto r = app::run_process({"sh", "-c", "sleep 60 & wait"}, {}, milliseconds(300));
    CHECK(r.timed_out);
    CHECK(elapsed_since(start) < milliseconds(5000));
}

TEST_CASE("the default bound is short enough for the event loop") {
    CHECK(app::kProcessTimeout <= milliseconds(2000));
}

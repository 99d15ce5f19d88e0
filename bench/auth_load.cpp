// Load generator for the plugin protocol: opens C connections to wardend's plugin
// socket and sends Auth requests for known certificate serials, either as fast as a
// window of outstanding requests allows (--rate 0) or paced at a fixed total rate.
// Prints decisions/s and the p50/p99/max latency of the verdicts.
//
//   auth_load SOCKET SERIALS_FILE [--connections C] [--seconds S] [--rate R] [--window W]
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.hpp"
#include "common/wire.hpp"

using namespace warden;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
    std::string socket, serials_file;
    int connections = 4;
    double seconds = 5;
    double rate = 0;  // total requests/s; 0 = as fast as the window allows
    int window = 64;
};

UniqueFd connect_to(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("connect failed");
    return fd;
}

struct Worker {
    std::vector<double> latencies_us;
    std::uint64_t allowed = 0, denied = 0;
};

void run_connection(const Settings& s, const std::vector<std::string>& serials, int index,
                    Worker& out) {
    UniqueFd fd = connect_to(s.socket);
    const std::string hello =
        wire::encode(wire::Message(wire::Type::Hello, 0).set("instance", "bench"));
    ::send(fd.get(), hello.data(), hello.size(), MSG_NOSIGNAL);
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(s.seconds));
    std::vector<Clock::time_point> sent_at;
    sent_at.reserve(1 << 20);
    std::atomic<std::uint64_t> sent{0}, received{0};
    std::atomic<bool> sending_done{false};
    std::mutex window_mutex;
    std::condition_variable window_cv;

    std::thread reader([&] {
        wire::Decoder decoder;
        char buf[65536];
        wire::Message m;
        while (!sending_done || received < sent) {
            const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
            if (n <= 0) break;
            decoder.feed(buf, static_cast<std::size_t>(n));
            while (decoder.next(m) == wire::DecodeStatus::Ok) {
                const auto now = Clock::now();
                out.latencies_us.push_back(
                    std::chrono::duration<double, std::micro>(now - sent_at[m.id - 1]).count());
                (m.get_or("result", "") == "allow" ? out.allowed : out.denied)++;
                received++;
            }
            std::lock_guard lock(window_mutex);
            window_cv.notify_one();
        }
    });
    const double per_conn_rate = s.rate / s.connections;
    std::uint64_t i = 0;
    std::string batch;
    auto add_request = [&] {
        const std::string& serial =
            serials[(i * 7919 + static_cast<std::uint64_t>(index) * 104729) % serials.size()];
        wire::Message req(wire::Type::Auth, static_cast<std::uint32_t>(i + 1));
        req.set("instance", "bench").set("common_name", "bench").set("tls_serial_hex_0", serial);
        req.set("untrusted_ip", "10.99.0.2")
            .set("untrusted_port", std::to_string(10000 + i % 50000));
        wire::encode(req, batch);
        sent_at.push_back(Clock::now());
        ++i;
    };
    while (Clock::now() < end && sent_at.size() + s.window < sent_at.capacity()) {
        batch.clear();
        if (per_conn_rate > 0) {
            // Open loop: one request at its due time, whatever the replies do.
            std::this_thread::sleep_until(start +
                                          std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(i / per_conn_rate)));
            add_request();
        } else {
            // Closed loop: top the window up, in one write, once replies made room.
            std::unique_lock lock(window_mutex);
            window_cv.wait(lock,
                           [&] { return sent - received < static_cast<std::uint64_t>(s.window); });
            lock.unlock();
            while (sent_at.size() - received < static_cast<std::uint64_t>(s.window)) add_request();
        }
        sent = i;
        ::send(fd.get(), batch.data(), batch.size(), MSG_NOSIGNAL);
    }
    sending_done = true;
    const auto drain_deadline = Clock::now() + std::chrono::seconds(5);
    while (received < sent && Clock::now() < drain_deadline) std::this_thread::yield();
    ::shutdown(fd.get(), SHUT_RDWR);
    reader.join();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: auth_load SOCKET SERIALS_FILE [--connections C] [--seconds S] [--rate "
                     "R] [--window W]\n";
        return 2;
    }
    Settings s{argv[1], argv[2]};
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const double v = std::stod(argv[i + 1]);
        if (k == "--connections")
            s.connections = static_cast<int>(v);
        else if (k == "--seconds")
            s.seconds = v;
        else if (k == "--rate")
            s.rate = v;
        else if (k == "--window")
            s.window = static_cast<int>(v);
    }
    std::vector<std::string> serials;
    std::ifstream in(s.serials_file);
    for (std::string line; std::getline(in, line);) serials.push_back(line);
    if (serials.empty()) return 2;

    std::vector<Worker> workers(static_cast<std::size_t>(s.connections));
    std::vector<std::thread> threads;
    const auto t0 = Clock::now();
    for (int c = 0; c < s.connections; ++c)
        threads.emplace_back(run_connection, std::cref(s), std::cref(serials), c,
                             std::ref(workers[static_cast<std::size_t>(c)]));
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

    std::vector<double> all;
    std::uint64_t allowed = 0, denied = 0;
    for (auto& w : workers) {
        all.insert(all.end(), w.latencies_us.begin(), w.latencies_us.end());
        allowed += w.allowed;
        denied += w.denied;
    }
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
        return all.empty()
                   ? 0.0
                   : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
    };
    std::printf(
        "mode=%s connections=%d decisions=%zu allowed=%llu denied=%llu seconds=%.2f rate=%.0f/s "
        "p50=%.0fus p99=%.0fus max=%.0fus\n",
        s.rate > 0 ? "paced" : "max", s.connections, all.size(),
        static_cast<unsigned long long>(allowed), static_cast<unsigned long long>(denied), elapsed,
        all.size() / elapsed, pct(0.50), pct(0.99), all.empty() ? 0.0 : all.back());
    return denied == 0 && !all.empty() ? 0 : 1;
}

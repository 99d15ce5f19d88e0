// Fills a warden database with N devices, each with one certificate record, in one
// transaction, and writes the certificate serials to a file for the load generator.
// The certificates are placeholders: decisions read only the store, never the PEM.
//
//   seed_devices DB COUNT SERIALS_FILE POOL_CIDR
#include <algorithm>
#include <fstream>
#include <iostream>
#include <random>

#include "daemon/core/net.hpp"
#include "daemon/store/store.hpp"

using namespace warden;

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: seed_devices DB COUNT SERIALS_FILE POOL_CIDR\n";
        return 2;
    }
    const std::size_t count = std::stoul(argv[2]);
    auto pool = net::parse_network(argv[4]);
    if (!pool || pool->last() - pool->first() < count + 3) {
        std::cerr << "pool too small for " << count << " devices\n";
        return 2;
    }
    auto opened = store::open_sqlite(argv[1]);
    if (!opened.store) {
        std::cerr << opened.error << '\n';
        return 1;
    }
    // Every seeded device needs a seat to be admitted (schema 003 gives it one of `default`).
    const auto seats = std::max<std::int64_t>(1000, static_cast<std::int64_t>(count));
    if (auto out = opened.store->set_license_seats("default", seats); !out.ok()) {
        std::cerr << out.message << '\n';
        return 1;
    }
    std::mt19937_64 rng(42);
    std::ofstream serials(argv[3]);
    const std::int64_t now = 1'700'000'000;
    opened.store->transaction([&] {
        for (std::size_t i = 0; i < count; ++i) {
            store::Device d;
            d.name = "bench-" + std::to_string(i);
            d.vpn_ip = pool->first() + 2 + static_cast<std::uint32_t>(i);
            d.state_since = d.created_at = now;
            if (!opened.store->add_device(d).ok())
                throw std::runtime_error("add failed at " + d.name);
            store::Certificate c;
            char buf[40];
            std::snprintf(buf, sizeof buf, "%016llx%016llx",
                          static_cast<unsigned long long>(rng() | 1ULL << 62),
                          static_cast<unsigned long long>(rng()));
            c.serial = buf;
            c.device_id = d.id;
            c.common_name = d.name;
            c.fingerprint = "00";
            c.not_before = now;
            c.not_after = now + 100LL * 365 * 24 * 3600;
            c.cert_pem = "placeholder";
            c.created_at = now;
            if (!opened.store->add_certificate(c).ok()) throw std::runtime_error("cert add failed");
            serials << c.serial << '\n';
        }
    });
    std::cout << "seeded " << count << " devices\n";
    return 0;
}

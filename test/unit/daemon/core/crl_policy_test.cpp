// judge_crl: when the daemon signs pki/crl.pem again.
#include <catch2/catch.hpp>

#include "daemon/core/crl_policy.hpp"

using namespace warden::core;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1'800'000'000;

// A CRL as the daemon writes it: signed at kT0, valid 30 days, revoked set up to date.
CrlFacts fresh() {
    CrlFacts f;
    f.present = f.parsed = f.signed_by_ca = f.revoked_match = true;
    f.last_update = kT0;
    f.next_update = kT0 + 30 * kDay;
    return f;
}

}  // namespace

TEST_CASE("a fresh CRL is kept and re-signed at half of its life", "[crl]") {
    const auto v = judge_crl(fresh(), kT0 + kDay);
    CHECK_FALSE(v.resign);
    CHECK(v.reason.empty());
    CHECK(v.resign_at == kT0 + 15 * kDay);
    CHECK_FALSE(judge_crl(fresh(), kT0 + 15 * kDay - 1).resign);
    CHECK(judge_crl(fresh(), kT0).resign_at == kT0 + 15 * kDay);
}

TEST_CASE("past half of its life the CRL is re-signed, long before it expires", "[crl]") {
    const auto v = judge_crl(fresh(), kT0 + 15 * kDay);
    CHECK(v.resign);
    CHECK(v.reason == "half-life");
    CHECK(judge_crl(fresh(), kT0 + 29 * kDay).reason == "half-life");
}

TEST_CASE("an expired CRL (nextUpdate reached) is re-signed", "[crl]") {
    CHECK(judge_crl(fresh(), kT0 + 30 * kDay).reason == "expired");
    CHECK(judge_crl(fresh(), kT0 + 40 * kDay).reason == "expired");
}

TEST_CASE("a CRL that is missing, garbage, foreign or out of date is rewritten", "[crl]") {
    const std::int64_t now = kT0 + kDay;
    auto f = fresh();
    f.present = false;
    f.parsed = false;
    CHECK(judge_crl(f, now).reason == "missing");

    f = fresh();
    f.parsed = false;
    CHECK(judge_crl(f, now).reason == "unparsable");

    f = fresh();
    f.signed_by_ca = false;
    CHECK(judge_crl(f, now).reason == "foreign");

    f = fresh();
    f.revoked_match = false;
    CHECK(judge_crl(f, now).reason == "revoked-differs");

    f = fresh();
    f.next_update.reset();
    CHECK(judge_crl(f, now).reason == "no-next-update");

    // The wall clock was set back below lastUpdate: OpenSSL would call it not yet valid.
    CHECK(judge_crl(fresh(), kT0 - 1).reason == "not-yet-valid");
    for (const auto& v : {judge_crl(f, now), judge_crl(fresh(), kT0 - 1)}) {
        CHECK(v.resign);
        CHECK(v.resign_at == 0);
    }
}
